import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { startHarness, type Harness } from '../support/harness';
import { SAMPLE_FINDINGS_BY_RULE } from '../support/sample-findings';
import type { GovernanceResult } from '../../workflows/governance';
import { statusQuery } from '../../workflows/dag-runner';
import { pseudonym } from '../../masking/pseudonym';
import { lastFullHour } from '../../workflow-safe/window';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';

// The whole DAG on a real Temporal dev server against real Postgres, over the bundled sample.
// Expected figures follow from examples/: 42 access lines (3 malformed, 2 outside the window),
// 28 consent lines (1 malformed), 7 audit-trail lines (1 malformed).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const TASKS = ['ingest', 'audit', 'consent', 'mask', 'report', 'email', 'alert'];
/** The repository's govflow.yaml names no export target: that step runs and reports itself skipped. */
const SKIPPED = { export: 'no export target configured (govflow.yaml export:)' };
const ALL_TASKS = [...TASKS, ...Object.keys(SKIPPED)];

async function runWindow(window: { start: string; end: string } | undefined, id: string): Promise<GovernanceResult> {
  return h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue,
    workflowId: `${id}-${Date.now()}`,
    args: [window ? { window, trigger: 'cli' } : {}],
  });
}

async function tableCounts(): Promise<Record<string, number>> {
  const tables = ['access_events', 'audit_trail_events', 'consent_events', 'consent_state', 'rejected_records', 'audit_findings', 'consent_violations', 'masked_events', 'reports', 'alerts'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await h.sql(`select count(*) as n from govflow.${t}`))[0]!.n);
  return out;
}

describe('governanceRun over the sample window', () => {
  let first: GovernanceResult;

  it('runs the seven tasks to success, skips export (no target configured) and reports the KPIs', async () => {
    first = await runWindow(SAMPLE_WINDOW, 'sample');
    expect(first.status).toBe('completed');
    expect(Object.keys(first.tasks)).toEqual(ALL_TASKS);
    for (const t of TASKS) expect(first.tasks[t]!.state, t).toBe('success');
    expect(first.tasks.export).toMatchObject({ state: 'skipped', reason: SKIPPED.export, counts: { targetConfigured: 0 } });
    expect(first.window).toEqual({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' });
    expect(first.policyHash).toBe(h.config.policy.hash);
    expect(first.kpis).toEqual({
      eventsIngested: 72,
      eventsInWindow: 43,
      recordsRejected: 5,
      findings: { total: 19, byRule: SAMPLE_FINDINGS_BY_RULE },
      // The same findings by rule, what they are about and hour: the six sovereignty breaches are
      // four principals' (4 incidents), the four denied accesses three principals', the two consent
      // violations two people's.
      incidents: {
        total: 17,
        byRule: {
          bulk_export: 1, consent_violation: 2, deactivated_principal: 1, denied_access: 3, denied_admin_action: 2,
          privileged_action: 2, rbac_violation: 1, sovereignty_breach: 4, success_after_failures: 1,
        },
      },
      consentViolations: 2,
      consentTimeUncertain: 0,
      // 37 access events in the window less user-1005's 2: analytics consent withdrawn.
      maskedEvents: 35,
      alertsRaised: 1,
    });
  });

  it('writes rows to every table, with pseudonyms wherever a person is named', async () => {
    const counts = await tableCounts();
    expect(counts).toMatchObject({
      access_events: 39, audit_trail_events: 6, consent_events: 27, rejected_records: 5,
      audit_findings: 19, consent_violations: 2, masked_events: 35, reports: 3, alerts: 1,
    });

    const reasons = await h.sql('select source, position, reason from govflow.rejected_records order by source, position');
    expect(reasons.map((r) => r.reason)).toEqual(expect.arrayContaining(['malformed JSON', 'unknown purpose "resale_to_brokers"', 'field "granted" must be true or false']));

    const violations = await h.sql('select event_id, purpose, reason, subject_key from govflow.consent_violations order by event_id');
    expect(violations.map((v) => [v.purpose, v.reason])).toEqual(
      expect.arrayContaining([['advertising', 'never_granted'], ['analytics', 'withdrawn']]),
    );
    const adsViolation = violations.find((v) => v.purpose === 'advertising')!;
    expect(adsViolation.subject_key).toBe(pseudonym('user-1003', h.env.pseudonymKey));

    const masked = await h.sql('select * from govflow.masked_events');
    const dump = JSON.stringify(masked);
    expect(dump).not.toMatch(/user-10\d\d/);
    expect(dump).not.toMatch(/198\.51\.100\.\d+"/);
    expect(dump).not.toMatch(/jane\.doe/);
    expect(masked.every((m) => String(m.subject_key).startsWith('p_'))).toBe(true);
    expect(new Set(masked.map((m) => m.ip_prefix)).has('198.51.100.0/24')).toBe(true);

    const findings = await h.sql('select principal_key, subject_key, description, evidence from govflow.audit_findings');
    expect(JSON.stringify(findings)).not.toMatch(/user-10\d\d|contractor-x|admin-bob/);

    const [report] = await h.sql("select html, text, policy_hash, workflow_id from govflow.reports where kind = 'compliance-report'");
    expect(report!.policy_hash).toBe(first.policyHash);
    expect(report!.html).toContain('Findings by rule');
    expect(report!.html).toContain(first.workflowId);
    expect(report!.text).toMatch(/Consent violations\s+2/);
    // What a DPO reads first: the verdict, the alert with its status and owner, what to do next.
    expect(report!.text).toMatch(/^Verdict: Non-compliant: 3 critical, 9 high, 7 medium findings, 2 consent violations; Alert #\d+ \(critical\): open, not acknowledged; with governance-oncall@streaming\.example, escalates to ciso@streaming\.example after 15m/m);
    expect(report!.text).toMatch(/Owner: governance-oncall@streaming\.example/);
    expect(report!.text).toMatch(/- critical \(3\): Within 15m: acknowledge alert #\d+/);
    // Severity totals agree with the alert: 19 findings + 2 consent violations = 21.
    const [alertRow] = await h.sql('select title from govflow.alerts');
    expect(alertRow!.title).toMatch(/^21 non-compliance finding/);
    expect(report!.text).toContain('total      19 + 2 = 21');
    expect(report!.text).toContain('the alert counts 21 of these 21');
    // Rules by plain-language name next to their id; masking apart from consent exclusions.
    expect(report!.text).toContain('Bulk export of personal data [bulk_export] (high): 1');
    expect(report!.text).toContain('35 of 35 access events to mask (100.0%)');
    expect(report!.text).toContain("excluded by consent  2 (left out on purpose");
    expect(report!.text).toMatch(/ok sample-access\s+access\s+1 file, 39 records, 3 rejected/);
    expect(first.sources!.map((d) => [d.source, d.state])).toEqual([['sample-access', 'delivered'], ['sample-consent', 'delivered'], ['sample-audit', 'delivered']]);
    expect(`${report!.html}${report!.text}`).not.toMatch(/user-10\d\d|contractor-x|198\.51\.100\.\d+[^/]/);

    const [alert] = await h.sql('select severity, status, occurrences from govflow.alerts');
    expect(alert).toMatchObject({ severity: 'critical', status: 'open', occurrences: 1 });
  });

  it('records the run and every task in the ledger, and answers the status query', async () => {
    const tasks = await h.sql('select task, state, attempts, duration_ms from govflow.task_runs where workflow_id = $1 order by task', [first.workflowId]);
    expect(tasks.map((t) => [t.task, t.state, t.attempts])).toEqual(
      [...ALL_TASKS].sort().map((t) => [t, t in SKIPPED ? 'skipped' : 'success', 1]),
    );
    const [run] = await h.sql('select status, policy_hash, trigger, window_start from govflow.runs where workflow_id = $1', [first.workflowId]);
    expect(run).toMatchObject({ status: 'completed', policy_hash: first.policyHash, trigger: 'cli' });

    const status = await h.client.workflow.getHandle(first.workflowId).query(statusQuery);
    expect(status.state).toBe('completed');
    expect(Object.values(status.tasks).map((t) => t.state)).toEqual(ALL_TASKS.map((t) => (t in SKIPPED ? 'skipped' : 'success')));
  });

  it('adds no rows when the same window runs again, and raises no second alert', async () => {
    const before = await tableCounts();
    const again = await runWindow(SAMPLE_WINDOW, 'sample-again');
    expect(again.status).toBe('completed');
    expect(await tableCounts()).toEqual(before);
    expect(again.kpis).toEqual({ ...first.kpis, alertsRaised: 0 });
    const [alert] = await h.sql('select occurrences, workflow_id from govflow.alerts');
    expect(alert).toMatchObject({ occurrences: 2, workflow_id: again.workflowId });
  });
});

describe('governanceRun failures', () => {
  it('fails a task, marks its downstream upstream_failed, lets the parallel branch finish, and fails the run', async () => {
    // Forget the sample window's alert raised above, so this run raises (not updates) its own.
    await h.sql('delete from govflow.alerts');
    await h.sql('alter table govflow.masked_events rename to masked_events_hidden');
    const workflowId = `broken-mask-${Date.now()}`;
    try {
      const err = await h.client.workflow
        .execute('governanceRun', { taskQueue: h.taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW }] })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/failed at mask: .*masked_events/);
    } finally {
      await h.sql('alter table govflow.masked_events_hidden rename to masked_events');
    }
    const status = await h.client.workflow.getHandle(workflowId).query(statusQuery);
    expect(Object.fromEntries(Object.entries(status.tasks).map(([k, v]) => [k, v.state]))).toEqual({
      ingest: 'success', audit: 'success', consent: 'success', mask: 'failed', report: 'upstream_failed', email: 'upstream_failed', alert: 'success', export: 'upstream_failed',
    });
    const rows = await h.sql('select task, state, error from govflow.task_runs where workflow_id = $1 order by task', [workflowId]);
    expect(rows.find((r) => r.task === 'mask')).toMatchObject({ state: 'failed', error: expect.stringMatching(/42P01/) });
    // Alerting does not depend on masking: the window's findings still raise their alert and
    // start its escalation.
    expect(rows.find((r) => r.task === 'alert')!.state).toBe('success');
    expect(status.tasks.alert!.counts).toMatchObject({ alertsRaised: 1, qualifying: 21, escalationsStarted: 1 });
    const alerts = await h.sql('select severity, status, workflow_id, title from govflow.alerts');
    expect(alerts).toEqual([{ severity: 'critical', status: 'open', workflow_id: workflowId, title: expect.stringMatching(/^21 non-compliance finding/) }]);
    const [run] = await h.sql('select status from govflow.runs where workflow_id = $1', [workflowId]);
    expect(run!.status).toBe('failed');
  });

  it('rejects a bad input at once, naming the field', async () => {
    const attempt = (input: unknown) =>
      h.client.workflow
        .execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `bad-input-${Date.now()}-${Math.random()}`, args: [input] })
        .then(() => 'completed', (e: WorkflowFailedError) => String(e.cause?.message));
    expect(await attempt({ window: { start: 'yesterday', end: '2026-11-01T11:00:00Z' } })).toMatch(/window\.start: .*not an ISO-8601/);
    expect(await attempt({ window: { start: '2026-11-01T11:00:00Z', end: '2026-11-01T10:00:00Z' } })).toMatch(/window\.end: must be after/);
    expect(await attempt({ windw: {} })).toMatch(/windw: unknown field/);
  });

  it('governs the last full hour when given {}', async () => {
    const before = lastFullHour(new Date());
    const result = await runWindow(undefined, 'last-hour');
    const after = lastFullHour(new Date());
    expect([before.start, after.start]).toContain(result.window.start);
    expect(Date.parse(result.window.end) - Date.parse(result.window.start)).toBe(3_600_000);
    expect(result.trigger).toBe('manual');
  });
});
