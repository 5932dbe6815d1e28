import { z } from 'zod';
import { severitySchema } from '../reporting/alerts/severity';
import { DURATION_PATTERN, parseDurationSeconds } from '../config/duration';

// The policy's `audit` section: thresholds and severities of the audit rules
// (audit/rules/). Every field has a default, so a policy may say nothing about audit.

const pattern = z.string().min(1, 'expected a pattern (* matches any run of characters)');
const minutes = z.number().int('expected whole minutes').min(1, 'expected at least 1 minute');
const atLeastOne = z.number().int('expected a whole number').min(1, 'expected a whole number of at least 1');

/** An audit-trail action that is privileged whatever its outcome (matched case-insensitively). */
const privilegedActionSchema = z.strictObject({
  name: z.string().min(1, 'expected a name for the kind of action'),
  actions: z.array(pattern).min(1, 'expected at least one action pattern'),
  /** When given, the target (or the event details) must also match one of these. */
  targets: z.array(pattern).min(1, 'expected at least one target pattern').optional(),
  severity: severitySchema.default('high'),
});

export const DEFAULT_PRIVILEGED_ACTIONS: Array<z.output<typeof privilegedActionSchema>> = [
  { name: 'role grant', actions: ['role.grant', 'Attach*Policy', 'Put*Policy', 'AddUserToGroup', 'CreateAccessKey', 'UpdateAssumeRolePolicy'], severity: 'high' },
  { name: 'audit logging stopped or deleted', actions: ['audit.logging.*', 'StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'DeleteFlowLogs'], severity: 'critical' },
  { name: 'role binding', actions: ['create', 'update', 'patch'], targets: ['*rolebindings*'], severity: 'high' },
  { name: 'cluster-admin binding', actions: ['create', 'update', 'patch'], targets: ['*clusterrolebindings*cluster-admin*', '*cluster-admin*clusterrolebindings*'], severity: 'critical' },
];

/**
 * How findings are grouped into incidents (audit/incidents.ts): per rule, per what the rule is
 * about, per `bucket` of time (a duration, 1m to 7d; buckets are aligned to the Unix epoch, so 1h
 * buckets are clock hours in UTC), keeping the first `sample` finding ids as evidence.
 */
const incidentsSchema = z
  .strictObject({
    bucket: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration like 15m, 1h or 1d')
      .refine((d) => {
        // Zod runs this even when the pattern failed: that failure is the one to report.
        if (!DURATION_PATTERN.test(d)) return true;
        const s = parseDurationSeconds(d, 'bucket');
        return s >= 60 && s <= 7 * 86_400 && Number.isInteger(s);
      }, 'expected a whole number of seconds between 1m and 7d')
      .default('1h'),
    sample: z.number().int('expected a whole number').min(1, 'expected at least 1').max(100, 'expected at most 100').default(5),
  })
  .prefault({});

export const auditPolicySchema = z
  .strictObject({
    /** Grouping of findings into incidents. */
    incidents: incidentsSchema,
    /** Severity of a denied or failed access attempt. */
    deniedSeverity: severitySchema.default('medium'),
    bruteForce: z
      .strictObject({ minFailures: atLeastOne.default(5), withinMinutes: minutes.default(10), severity: severitySchema.default('high') })
      .prefault({}),
    successAfterFailures: z
      .strictObject({ minFailures: atLeastOne.default(3), withinMinutes: minutes.default(15), severity: severitySchema.default('critical') })
      .prefault({}),
    bulkExport: z
      .strictObject({
        actions: z.array(pattern).min(1, 'expected at least one export action pattern').default(['export*']),
        /** Distinct people's data one principal may export in one clock hour. */
        maxSubjectsPerHour: atLeastOne.default(100),
        /** Rows one export in the audit trail may contain (details.rows or "rows=N" in the target). */
        maxRows: atLeastOne.default(10_000),
        severity: severitySchema.default('high'),
      })
      .prefault({}),
    privilegedActions: z.array(privilegedActionSchema).default(() => DEFAULT_PRIVILEGED_ACTIONS.map((a) => ({ ...a }))),
    severity: z
      .strictObject({
        rbacViolation: severitySchema.default('high'),
        abacViolation: severitySchema.default('medium'),
        sovereigntyBreach: severitySchema.default('high'),
        unknownPrincipal: severitySchema.default('high'),
        deactivatedPrincipal: severitySchema.default('critical'),
        anonymousAccess: severitySchema.default('high'),
      })
      .prefault({}),
  })
  .prefault({});

export type AuditPolicy = z.output<typeof auditPolicySchema>;
