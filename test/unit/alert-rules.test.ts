import { describe, expect, it } from 'vitest';
import { qualifyingFindings } from '../../reporting/alerts/alert-rules';
import { alertsPolicySchema } from '../../policy/alerts';
import { durationMs } from '../../config/duration';
import { csvLine } from '../../reporting/csv';
import { messageId } from '../../reporting/email/mailer';

const findings = [
  { rule: 'denied_access', severity: 'medium', n: 4 },
  { rule: 'denied_admin_action', severity: 'high', n: 3 },
  { rule: 'odd_hours', severity: 'low', n: 9 },
];

describe('alert rules from the policy', () => {
  it('counts findings at or above the threshold, and consent violations at their severity', () => {
    const q = qualifyingFindings(alertsPolicySchema.parse({}), findings, 2);
    expect(q).toEqual({
      total: 9,
      worst: 'high',
      summary: 'denied_admin_action (high): 3; denied_access (medium): 4; consent violations (high): 2',
    });
  });

  it('honours per-rule switches and thresholds', () => {
    const policy = alertsPolicySchema.parse({
      minSeverity: 'high',
      rules: { denied_admin_action: { enabled: false }, odd_hours: { minSeverity: 'low' } },
      consentViolations: { enabled: false },
    });
    expect(qualifyingFindings(policy, findings, 2)).toEqual({ total: 9, worst: 'low', summary: 'odd_hours (low): 9' });
  });

  it('has defaults for every field, and rejects a bad SLA naming the field', () => {
    const p = alertsPolicySchema.parse({});
    expect(p.sla).toEqual({ low: '24h', medium: '4h', high: '1h', critical: '15m' });
    expect(p.channels).toEqual(['email', 'webhook']);
    const bad = alertsPolicySchema.safeParse({ sla: { high: 'soon' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['sla', 'high']);
  });
});

describe('small pure helpers', () => {
  it('reads policy durations', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('15m')).toBe(900_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(() => durationMs('1 hour')).toThrow(/not a duration/);
  });

  it('quotes CSV fields that need it', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, new Date('2026-11-01T10:00:00Z')])).toBe('a,"b,c","say ""hi""",,2026-11-01T10:00:00.000Z\r\n');
  });

  it('derives the same Message-ID from the same parts, a different one otherwise', () => {
    const a = messageId(['compliance-report', 'wf-1'], 'govflow <reports@example.org>');
    expect(a).toMatch(/^<compliance-report\.[0-9a-f]{24}@example\.org>$/);
    expect(messageId(['compliance-report', 'wf-1'], 'reports@example.org')).toBe(a);
    expect(messageId(['compliance-report', 'wf-2'], 'reports@example.org')).not.toBe(a);
  });
});
