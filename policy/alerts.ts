import { z } from 'zod';
import { DURATION_PATTERN } from '../config/duration';

// The policy's `alerts` and `recipients` sections: when a window raises a non-compliance alert,
// where it is sent, and how long the first line has to acknowledge it before the second line is
// woken. Every field has a default, so a policy written for the skeleton stays valid.

import { severitySchema } from '../reporting/alerts/severity';
export { SEVERITIES, severitySchema, type Severity } from '../reporting/alerts/severity';

const duration = z.string().regex(DURATION_PATTERN, 'expected a duration like 90s, 15m, 4h or 1d');
const email = z.email({ message: 'expected an email address' });

export const ALERT_CHANNELS = ['email', 'webhook'] as const;

const ruleSchema = z.strictObject({
  /** false: this rule's findings never raise an alert (they still appear in reports). */
  enabled: z.boolean({ message: 'expected true or false' }).default(true),
  /** Overrides alerts.minSeverity for this rule. */
  minSeverity: severitySchema.optional(),
});

export const alertsPolicySchema = z
  .strictObject({
    minSeverity: severitySchema.default('medium'),
    minFindings: z.number().int().min(1, 'expected a whole number of at least 1').default(1),
    /** Per-rule switches, keyed by the rule id the audit step writes (e.g. denied_access). */
    rules: z.record(z.string(), ruleSchema).default({}),
    /** Processing without consent: whether it alerts, and at which severity it counts. */
    consentViolations: z
      .strictObject({ enabled: z.boolean({ message: 'expected true or false' }).default(true), severity: severitySchema.default('high') })
      .prefault({}),
    channels: z.array(z.enum(ALERT_CHANNELS, { message: `expected one of ${ALERT_CHANNELS.join(', ')}` })).default(['email', 'webhook']),
    webhook: z
      .strictObject({
        /** A Slack-compatible incoming-webhook URL; the GOVFLOW_ALERT_WEBHOOK_URL variable wins over it. */
        url: z.url({ message: 'expected an http(s) URL' }).optional(),
        /**
         * Deprecated and ignored: each activity attempt POSTs once and the activity's Temporal retry
         * policy backs off between attempts. Still accepted so that older policies stay valid.
         */
        attempts: z.number().int().min(1, 'expected a whole number of at least 1').default(3),
      })
      .prefault({}),
    /** How long an alert may stay unacknowledged, per severity, before it is escalated. */
    sla: z
      .strictObject({
        low: duration.default('24h'),
        medium: duration.default('4h'),
        high: duration.default('1h'),
        critical: duration.default('15m'),
      })
      .prefault({}),
  })
  .prefault({});

export const recipientsPolicySchema = z
  .strictObject({
    /** Who receives the run's compliance report (a DPO, an auditor). */
    compliance: z.array(email).default([]),
    /** First line for alerts; empty means the compliance recipients. */
    alerts: z.array(email).default([]),
    /** Second line: woken when an alert outlives its SLA unacknowledged. */
    escalation: z.array(email).default([]),
  })
  .prefault({});

export type AlertsPolicy = z.output<typeof alertsPolicySchema>;
export type RecipientsPolicy = z.output<typeof recipientsPolicySchema>;
