import { describe, expect, it } from 'vitest';
import {
  alertStatus, complianceVerdict, maskingCoverage, nextSteps, violationsBySeverity, type AlertPeople, type AlertSnapshot,
} from '../../reporting/compliance-view';
import { describeDelivery, type SourceDelivery } from '../../ingest/source-delivery';
import { qualifyingFindings } from '../../reporting/alerts/alert-rules';
import { durationMs } from '../../config/duration';
import { AUDIT_RULES, ruleGuide } from '../../audit/rules';

const people: AlertPeople = { firstLine: ['oncall@example.org'], escalation: ['ciso@example.org'], compliance: ['dpo@example.org'] };
const sla = { critical: '15m', high: '1h', medium: '4h', low: '24h' };
const window = { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' };
const why = { alertTask: 'success', qualifying: 0, minFindings: 1, workflowId: 'wf-1' };

const source = (over: Partial<SourceDelivery>): SourceDelivery => ({
  source: 'sample-access', kind: 'access', format: 'jsonl', location: '/data/access.jsonl', state: 'delivered',
  files: 1, filesLoaded: 1, filesAlreadyLoaded: 0, filesFailed: 0, records: 42, rejected: 3, problems: [], ...over,
});

// The sample window's figures: 19 audit findings, 2 consent violations (alert policy: high).
const findings = [
  { rule: 'brute_force', severity: 'critical', n: 1 },
  { rule: 'rbac_violation', severity: 'high', n: 5 },
  { rule: 'denied_access', severity: 'medium', n: 13 },
];
const alertPolicy = { minSeverity: 'medium' as const, rules: {}, consentViolations: { enabled: true, severity: 'high' as const } };

describe('violations by severity', () => {
  it('counts consent violations at their alert severity, so the total is the alert\'s', () => {
    const q = qualifyingFindings(alertPolicy, findings, 2);
    const v = violationsBySeverity(findings, 2, 'high', q.total);
    expect(v.rows.map((r) => [r.severity, r.findings, r.consentViolations, r.total])).toEqual([
      ['critical', 1, 0, 1], ['high', 5, 2, 7], ['medium', 13, 0, 13], ['low', 0, 0, 0],
    ]);
    expect(v.total).toBe(21);
    expect(v.alertCounts).toBe(21);
    expect(v.total).toBe(q.total);
  });
});

describe('masking coverage', () => {
  it('keeps people who withdrew consent apart from a real gap', () => {
    expect(maskingCoverage(37, 35, 2)).toEqual({ eligible: 37, excludedByConsent: 2, toMask: 35, masked: 35, notMasked: 0 });
    expect(maskingCoverage(37, 30, 2).notMasked).toBe(5);
  });
});

describe('alert status', () => {
  const open: AlertSnapshot = { id: 3, severity: 'critical', status: 'open', firstSeen: '2026-11-01T11:01:00.000Z', acknowledgedBy: null, acknowledgedAt: null, escalatedAt: null };

  it('says who has an open alert and when it escalates', () => {
    const s = alertStatus(open, people, sla, durationMs, why);
    expect(s).toMatchObject({ raised: true, id: 3, state: 'open', owner: 'oncall@example.org' });
    expect(s.line).toBe('Alert #3 (critical): open, not acknowledged; with oncall@example.org, escalates to ciso@example.org after 15m at 2026-11-01 11:16:00 UTC; acknowledge with: govflow alerts ack 3');
  });

  it('says an escalated alert is escalated, and who acknowledged one', () => {
    expect(alertStatus({ ...open, escalatedAt: '2026-11-01T11:16:02.000Z' }, people, sla, durationMs, why)).toMatchObject({
      state: 'escalated', owner: 'ciso@example.org', line: expect.stringMatching(/^Alert #3 \(critical\): ESCALATED at 2026-11-01 11:16:02 UTC to ciso@example\.org, not acknowledged/),
    });
    expect(alertStatus({ ...open, status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: '2026-11-01T11:05:00.000Z' }, people, sla, durationMs, why)).toMatchObject({
      state: 'acknowledged', owner: 'alice', line: 'Alert #3 (critical): acknowledged by alice at 2026-11-01 11:05:00 UTC',
    });
  });

  it('explains a window without an alert', () => {
    expect(alertStatus(undefined, people, sla, durationMs, { ...why, alertTask: 'failed' }).line).toMatch(/alert task failed.*govflow replay wf-1/);
    expect(alertStatus(undefined, people, sla, durationMs, why).line).toBe('No alert: nothing in this window meets the alert policy');
    expect(alertStatus(undefined, people, sla, durationMs, { ...why, qualifying: 2, minFindings: 5 }).line).toMatch(/2 findings qualify, below the policy's threshold of 5/);
  });
});

describe('verdict', () => {
  const v = violationsBySeverity(findings, 2, 'high', 21);
  const none = violationsBySeverity([], 0, 'high', 0);
  const alert = alertStatus({ id: 3, severity: 'critical', status: 'open', firstSeen: '2026-11-01T11:01:00.000Z', acknowledgedBy: null, acknowledgedAt: null, escalatedAt: null }, people, sla, durationMs, why);
  const noAlert = alertStatus(undefined, people, sla, durationMs, why);

  it('is non-compliant with the findings by severity, the consent violations and the alert', () => {
    const verdict = complianceVerdict(v, [source({})], alert);
    expect(verdict.status).toBe('non-compliant');
    expect(verdict.line).toMatch(/^Non-compliant: 1 critical, 5 high, 13 medium findings, 2 consent violations; Alert #3 \(critical\): open, not acknowledged/);
  });

  it('is incomplete, not clean, when a source delivered nothing, and names it with its path', () => {
    const missing = source({ source: 'bastion', state: 'missing', location: '/var/log/auth.log', files: 0, filesLoaded: 0, records: 0, rejected: 0 });
    const verdict = complianceVerdict(none, [source({}), missing], noAlert);
    expect(verdict).toEqual({ status: 'incomplete', line: 'Incomplete: bastion missing: /var/log/auth.log. No findings in what was delivered, but the window cannot be called clean' });
    expect(complianceVerdict(v, [missing], alert).line).toMatch(/\. Data incomplete: bastion missing: \/var\/log\/auth\.log$/);
  });

  it('is clean only with no findings and every source delivered', () => {
    expect(complianceVerdict(none, [source({}), source({ source: 'consent' })], noAlert)).toEqual({
      status: 'clean', line: 'Clean: no audit findings, no consent violations; all 2 sources delivered',
    });
  });
});

describe('what to do next', () => {
  it('gives one step per severity present, with its SLA and owner, and one per source that did not deliver', () => {
    const v = violationsBySeverity(findings, 2, 'high', 21);
    const alert = alertStatus({ id: 3, severity: 'critical', status: 'open', firstSeen: '2026-11-01T11:01:00.000Z', acknowledgedBy: null, acknowledgedAt: null, escalatedAt: null }, people, sla, durationMs, why);
    const steps = nextSteps(v, [source({ state: 'matched-nothing', location: '/in/*.log' })], alert, people, sla, window);
    expect(steps.map((s) => [s.topic, s.count, s.owner])).toEqual([
      ['critical', 1, 'oncall@example.org'], ['high', 7, 'oncall@example.org'], ['medium', 13, 'dpo@example.org'], ['data', 1, 'dpo@example.org'],
    ]);
    expect(steps[0]!.step).toMatch(/^Within 15m: acknowledge alert #3, contain .*\(GDPR art\. 33\)/);
    expect(steps[3]!.step).toContain('matched nothing: /in/*.log');
    expect(steps[3]!.step).toContain('govflow run --from 2026-11-01T10:00:00.000Z --to 2026-11-01T11:00:00.000Z');
    expect(nextSteps(violationsBySeverity([], 0, 'high', 0), [source({})], alert, people, sla, window)).toEqual([]);
  });
});

describe('source deliveries', () => {
  it('says what a source delivered, or why not, with its path', () => {
    expect(describeDelivery(source({}))).toBe('1 file, 42 records, 3 rejected');
    expect(describeDelivery(source({ files: 3, filesLoaded: 1, filesAlreadyLoaded: 2 }))).toBe('3 files (2 already loaded), 42 records, 3 rejected');
    expect(describeDelivery(source({ state: 'missing', files: 0 }))).toBe('missing: /data/access.jsonl');
    expect(describeDelivery(source({ state: 'not-a-file', files: 0, problems: ['a directory'] }))).toBe('not a file: /data/access.jsonl (a directory)');
    expect(describeDelivery(source({ state: 'matched-nothing', location: '/in/*.log', files: 0 }))).toBe('matched nothing: /in/*.log');
    expect(describeDelivery(source({ state: 'unreadable', files: 2, filesFailed: 1, records: 10, problems: ['truncated gzip: Z_BUF_ERROR (/in/b.gz)'] })))
      .toBe('unreadable: truncated gzip: Z_BUF_ERROR (/in/b.gz); read otherwise: 2 files, 10 records, 3 rejected');
    expect(describeDelivery(source({ state: 'empty', records: 0, rejected: 4 }))).toBe('delivered nothing: 1 file, 0 records, 4 rejected');
    expect(describeDelivery(source({ location: 'query', files: 0, records: 0, rejected: 0 }))).toBe('query, 0 records, 0 rejected');
  });
});

describe('rule guides', () => {
  it('gives every audit rule a plain-language name and a next step', () => {
    for (const r of AUDIT_RULES) {
      expect(r.name, r.id).toMatch(/^[A-Z]/);
      expect(r.name, r.id).not.toContain('_');
      expect(r.action.length, r.id).toBeGreaterThan(20);
    }
    expect(new Set(AUDIT_RULES.map((r) => r.name)).size).toBe(AUDIT_RULES.length);
    expect(ruleGuide('consent_violation').name).toBe('Processing without consent');
    expect(ruleGuide('retired_rule')).toMatchObject({ name: 'retired_rule' });
  });
});
