import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHarness, type Harness } from '../support/harness';
import type { GovernanceResult } from '../../workflows/governance';

// Late data on a real Temporal dev server and Postgres: rows that arrive after their window was
// governed are found by the next run, which governs that window again in a child run (marked as a
// revision) and says so in its result and reports.

const P13 = resolve('../shared/field-cases/P-13-late-consent-withdrawal');

async function run(h: Harness, start: string, end: string, id: string): Promise<GovernanceResult> {
  return h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue,
    workflowId: `${id}-${Date.now()}`,
    args: [{ window: { start, end }, trigger: 'cli' }],
  });
}

describe('P-13: a consent withdrawal that arrives after its hour was governed', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    // The case's folder, copied: step 2 drops the late file next to its govflow.yaml.
    dir = mkdtempSync(join(tmpdir(), 'govflow-p13-'));
    for (const f of ['govflow.yaml', 'policy.yaml', 'access.jsonl', 'consent-2026-11-01T10.jsonl']) copyFileSync(join(P13, f), join(dir, f));
    h = await startHarness({ configFile: join(dir, 'govflow.yaml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  let hour10: GovernanceResult;
  let hour11: GovernanceResult;

  it('step 1: the 10:00–11:00 run finds nothing (right, then)', async () => {
    hour10 = await run(h, '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', 'p13-10');
    expect(hour10.kpis.consentViolations).toBe(0);
    expect(hour10.revisedWindows).toBeUndefined();
  });

  it('step 3: the next hour\'s run records the withdrawal, queues the erasure, flags the 10:40 read and revises the 10:00 report', async () => {
    copyFileSync(join(P13, 'late-delivery', 'consent-2026-11-01T10-late.jsonl'), join(dir, 'consent-2026-11-01T10-late.jsonl'));
    hour11 = await run(h, '2026-11-01T11:00:00Z', '2026-11-01T12:00:00Z', 'p13-11');
    expect(hour11.status).toBe('completed');
    expect(hour11.revisedWindows).toEqual([{
      window: { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' },
      revisionWorkflowId: `${hour11.workflowId}-late-20261101T100000Z-20261101T110000Z`,
      lateRows: { access: 0, audit: 0, consent: 1 },
      status: 'completed',
    }]);

    // GDPR Art. 7(3)/17(1)(b): the withdrawal is recorded, its erasure queued, the read after it flagged.
    expect(await h.sql('select event_id, purpose, kind from govflow.consent_withdrawals')).toEqual([{ event_id: 'p13-c3', purpose: 'analytics', kind: 'withdrawn' }]);
    expect(await h.sql('select subject_id, purpose, reason, status from govflow.erasure_requests')).toEqual([
      { subject_id: 'user-6301', purpose: 'analytics', reason: 'consent withdrawn (explicit)', status: 'pending' },
    ]);
    expect(await h.sql('select event_id, reason from govflow.consent_violations order by event_id')).toEqual([{ event_id: 'p13-2', reason: 'withdrawn' }]);

    // The 10:00 window's reports are revised, say why and who found it; an alert is raised for it.
    const reports = await h.sql(`select kind, text, workflow_id from govflow.reports where window_start = '2026-11-01T10:00:00Z' order by kind`);
    expect(reports).toHaveLength(3);
    for (const r of reports) {
      expect(r.workflow_id).toBe(hour11.revisedWindows![0]!.revisionWorkflowId);
      expect(r.text).toContain(`REVISED: this window was governed again because 1 row(s) arrived after it was governed (0 access, 0 audit-trail, 1 consent;`);
      expect(r.text).toContain(`found by run ${hour11.workflowId}`);
    }
    const [compliance10] = await h.sql(`select kpis from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T10:00:00Z'`);
    expect((compliance10!.kpis as { consentViolations: { total: number } }).consentViolations.total).toBe(1);
    const alerts = await h.sql(`select window_start from govflow.alerts`);
    expect(alerts.map((a) => (a.window_start as Date).toISOString())).toEqual(['2026-11-01T10:00:00.000Z']);

    // The 11:00 report lists the late rows and the window governed again.
    const [compliance11] = await h.sql(`select text from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T11:00:00Z'`);
    expect(compliance11!.text).toMatch(/2026-11-01 10:00(:00)? UTC – 2026-11-01 11:00(:00)? UTC: 1 late row\(s\) \(0 access, 0 audit-trail, 1 consent\); governed again by /);
    const [recorded] = await h.sql('select reason, detected_by, late_consent_events from govflow.regoverned_windows');
    expect(recorded).toEqual({ reason: 'late-data', detected_by: hour11.workflowId, late_consent_events: 1 });
  });

  it('a later run finds nothing late any more, and p13-1 (10:10, before the withdrawal) stays lawful', async () => {
    const hour12 = await run(h, '2026-11-01T12:00:00Z', '2026-11-01T13:00:00Z', 'p13-12');
    expect(hour12.revisedWindows).toBeUndefined();
    expect(await h.sql(`select 1 from govflow.consent_violations where event_id = 'p13-1'`)).toEqual([]);
  });
});

describe('a brute force whose audit-trail events arrive after their hour was governed', () => {
  let h: Harness;
  let dir: string;
  const line = (i: number) => JSON.stringify({
    event_id: `late-${i}`, time: `2026-11-01T09:3${i}:00Z`, actor: 'ops-admin', action: 'login', target: 'console', outcome: 'failed', source_ip: '203.0.113.99',
  });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govflow-late-audit-'));
    writeFileSync(join(dir, 'audit-0900.jsonl'), `${JSON.stringify({ event_id: 'ok-1', time: '2026-11-01T09:05:00Z', actor: 'ops-admin', action: 'login', target: 'console', outcome: 'success', source_ip: '10.0.0.1' })}\n`);
    writeFileSync(join(dir, 'govflow.yaml'), stringify({
      policy: resolve('policy.yaml'),
      sources: [{ name: 'late-audit', kind: 'audit', format: 'jsonl', path: 'audit-*.jsonl' }],
    }));
    h = await startHarness({ configFile: join(dir, 'govflow.yaml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is reported for its own hour by the next run', async () => {
    const first = await run(h, '2026-11-01T09:00:00Z', '2026-11-01T10:00:00Z', 'late-audit-09');
    expect(first.kpis.findings.byRule.brute_force).toBeUndefined();

    // The shipper was down: six failed logins from one address at 09:30–09:35 arrive at 10:xx.
    writeFileSync(join(dir, 'audit-0900-late.jsonl'), `${[0, 1, 2, 3, 4, 5].map(line).join('\n')}\n`);
    const next = await run(h, '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', 'late-audit-10');
    expect(next.revisedWindows).toMatchObject([{ window: { start: '2026-11-01T09:00:00.000Z' }, lateRows: { access: 0, audit: 6, consent: 0 }, status: 'completed' }]);

    const brute = await h.sql(`select occurred_at, last_workflow_id from govflow.audit_findings where rule = 'brute_force'`);
    expect(brute).toHaveLength(1);
    expect((brute[0]!.occurred_at as Date).toISOString()).toBe('2026-11-01T09:34:00.000Z');
    expect(brute[0]!.last_workflow_id).toBe(next.revisedWindows![0]!.revisionWorkflowId);
    const [incident] = await h.sql(`select rule, bucket_start from govflow.incidents where rule = 'brute_force'`);
    expect((incident!.bucket_start as Date).toISOString()).toBe('2026-11-01T09:00:00.000Z');
    const [report] = await h.sql(`select kpis from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T09:00:00Z'`);
    const kpis = report!.kpis as { findings: { byRule: Array<{ rule: string; n: number }> }; revision: { lateRows: { audit: number } } };
    expect(kpis.findings.byRule.find((r) => r.rule === 'brute_force')?.n).toBe(1);
    expect(kpis.revision.lateRows.audit).toBe(6);
  });
});
