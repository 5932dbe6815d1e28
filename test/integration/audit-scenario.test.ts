import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { generateScenario, plantedRules, type Scenario } from '../support/scenario';
import { AUDIT_RULES } from '../../audit/rules';
import type { GovernanceResult } from '../../workflows/governance';
import type { Window } from '../../workflow-safe/window';

// The audit and consent steps against a synthetic platform with a violation of every rule planted
// (test/support/scenario.ts): each planted violation is found exactly once, under its rule, citing exactly
// its events; the clean hour yields nothing. Real workflow, real Temporal, real Postgres.

let h: Harness;
let s: Scenario;

beforeAll(async () => {
  s = generateScenario();
  const dir = mkdtempSync(join(tmpdir(), 'govflow-scenario-'));
  const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  writeFileSync(join(dir, 'policy.yaml'), stringify(s.policy));
  writeFileSync(join(dir, 'access.jsonl'), jsonl(s.access));
  writeFileSync(join(dir, 'audit.jsonl'), jsonl(s.audit));
  writeFileSync(join(dir, 'consent.jsonl'), jsonl(s.consent));
  writeFileSync(join(dir, 'govflow.yaml'), stringify({
    policy: 'policy.yaml',
    sources: [
      { name: 'platform', kind: 'access', format: 'jsonl', path: 'access.jsonl' },
      { name: 'trail', kind: 'audit', format: 'jsonl', path: 'audit.jsonl' },
      { name: 'cmp', kind: 'consent', format: 'jsonl', path: 'consent.jsonl' },
    ],
  }));
  h = await startHarness({ configFile: join(dir, 'govflow.yaml') });
});
afterAll(async () => {
  await h?.close();
});

async function run(window: Window, id: string): Promise<GovernanceResult> {
  return h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue,
    workflowId: `${id}-${Date.now()}`,
    args: [{ window, trigger: 'cli' }],
  });
}

interface FindingRow {
  rule: string;
  description: string;
  principal_key: string | null;
  subject_key: string | null;
  evidence: Array<{ table: string; source: string; event_id: string }>;
}

async function findingsIn(window: Window): Promise<FindingRow[]> {
  return (await h.sql(
    'select rule, description, principal_key, subject_key, evidence from govflow.audit_findings where occurred_at >= $1 and occurred_at < $2',
    [window.start, window.end],
  )) as unknown as FindingRow[];
}

/** A finding or a planted violation, as "rule: sorted event ids", so the two compare as sets. */
const signature = (rule: string, ids: string[]) => `${rule}: ${[...ids].sort().join(' ')}`;

describe('audit rules over a scenario with planted violations', () => {
  it('plants a violation of every audit rule', () => {
    expect(plantedRules(s)).toEqual(AUDIT_RULES.map((r) => r.id).sort());
  });

  it('finds nothing in the clean hour', async () => {
    const result = await run(s.cleanWindow, 'scenario-clean');
    expect(result.status).toBe('completed');
    expect(await findingsIn(s.cleanWindow)).toEqual([]);
    expect(result.kpis.findings.total).toBe(0);
    expect(result.kpis.consentViolations).toBe(0);
  });

  it('finds each planted violation exactly once, under its rule, citing exactly its events', async () => {
    for (const c of s.consentSignals) {
      await h.sql(
        `insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at, signal)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [c.source, c.event_id, c.subject_id, c.purpose, c.granted, c.occurred_at, c.signal],
      );
    }
    const result = await run(s.plantedWindow, 'scenario-planted');
    expect(result.status).toBe('completed');

    const found = await findingsIn(s.plantedWindow);
    const actual = found.map((f) => signature(f.rule, f.evidence.map((e) => e.event_id))).sort();
    const expected = s.planted.map((p) => signature(p.rule, p.eventIds)).sort();
    expect(actual).toEqual(expected);

    const perRule = Object.fromEntries(AUDIT_RULES.map((r) => [r.id, s.planted.filter((p) => p.rule === r.id).length]));
    expect(result.kpis.findings.byRule).toEqual(perRule);
  });

  it('says which condition each ABAC violation failed (justification, region, hours in a time zone)', async () => {
    // Runs after the planted window's run above. The rule computes the failed conditions apart
    // from deciding the violation (audit/rules/access-control.ts), so pin both together.
    const conditions = 'Access allowed by role but outside its conditions: ';
    const expected: Record<string, string> = {
      'support read without a ticket': 'no ticket or justification',
      'support read from a US region': 'region not allowed',
      'Tokyo support outside its hours': 'outside allowed hours',
      'night support before its shift': 'outside allowed hours',
    };
    const found = (await findingsIn(s.plantedWindow)).filter((f) => f.rule === 'abac_violation');
    const byEvent = new Map(found.map((f) => [f.evidence[0]!.event_id, f.description]));
    const planted = s.planted.filter((p) => p.rule === 'abac_violation');
    expect(Object.fromEntries(planted.map((p) => [p.what, byEvent.get(p.eventIds[0]!)]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([what, failed]) => [what, conditions + failed])),
    );
  });

  it('names people only by pseudonym', async () => {
    const dump = JSON.stringify(await findingsIn(s.plantedWindow));
    expect(dump).not.toMatch(/intruder-9|mallory|ops-admin|agent-1|ex-employee|svc-|\b(eu|us)-\d{3}\b|203\.0\.113|198\.51\.100|root/);
    const keys = (await findingsIn(s.plantedWindow)).flatMap((f) => [f.principal_key, f.subject_key]).filter((k) => k !== null);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^p_[0-9a-f]{32}$/.test(k!))).toBe(true);
  });

  it('flags exactly the accesses that lacked consent at their time', async () => {
    const rows = await h.sql(
      'select event_id, purpose, reason from govflow.consent_violations where occurred_at >= $1 and occurred_at < $2 order by event_id',
      [s.plantedWindow.start, s.plantedWindow.end],
    );
    expect(rows.map((r) => ({ eventId: r.event_id, purpose: r.purpose, reason: r.reason }))).toEqual(
      [...s.consentViolations].sort((a, b) => a.eventId.localeCompare(b.eventId)),
    );
  });

  it('answers consent as of any instant, GPC and TCF counting as withdrawals', async () => {
    const at = (minute: number) => new Date(Date.parse(s.plantedWindow.start) + minute * 60_000);
    const q = async (subject: string, minute: number) =>
      (await h.sql('select govflow.consent_at($1, $2, $3) as c', [subject, 'analytics', at(minute)]))[0]!.c;
    expect(await q('eu-007', 9)).toBe(true);
    expect(await q('eu-007', 10)).toBe(false);
    expect(await q('eu-010', 29)).toBe(true);
    expect(await q('eu-010', 31)).toBe(false);
    expect(await q('eu-011', 36)).toBe(false);
    expect(await q('us-900', 59)).toBe(null);
  });

  it("records the window's withdrawals for the mask step and queues their erasure", async () => {
    const w = await h.sql('select subject_id, signal, kind from govflow.consent_withdrawals order by subject_id');
    expect(w).toEqual([
      { subject_id: 'eu-007', signal: 'explicit', kind: 'withdrawn' },
      { subject_id: 'eu-010', signal: 'gpc', kind: 'withdrawn' },
      { subject_id: 'eu-011', signal: 'tcf', kind: 'withdrawn' },
    ]);
    const e = await h.sql("select subject_id, purpose, status from govflow.erasure_requests order by subject_id");
    expect(e).toEqual(['eu-007', 'eu-010', 'eu-011'].map((subject_id) => ({ subject_id, purpose: 'analytics', status: 'pending' })));
  });

  it('stores the consent management log of the window per purpose', async () => {
    const rows = await h.sql(
      `select purpose, granted, refused, withdrawn, regranted, changed, conflicts, status_granted, status_withdrawn, status_never_asked
       from govflow.consent_log where window_start = $1 and window_end = $2 order by purpose`,
      [s.plantedWindow.start, s.plantedWindow.end],
    );
    // 35 people consented to analytics before the window; 3 withdrew in it (2 of them by signals
    // contradicting their explicit opt-in); us-900, accessed in the window, was never asked.
    expect(rows.find((r) => r.purpose === 'analytics')).toEqual({
      purpose: 'analytics', granted: 0, refused: 0, withdrawn: 3, regranted: 0, changed: 3, conflicts: 2,
      status_granted: 32, status_withdrawn: 3, status_never_asked: 1,
    });
    expect(rows.find((r) => r.purpose === 'security')).toMatchObject({ status_granted: 0, status_withdrawn: 0, status_never_asked: 36 });
  });

  it('adds nothing when the planted hour runs again', async () => {
    const count = async () => (await h.sql(
      `select (select count(*) from govflow.audit_findings)::int as f, (select count(*) from govflow.consent_violations)::int as v,
              (select count(*) from govflow.consent_withdrawals)::int as w, (select count(*) from govflow.erasure_requests)::int as e`))[0];
    const before = await count();
    const again = await run(s.plantedWindow, 'scenario-again');
    expect(again.status).toBe('completed');
    expect(await count()).toEqual(before);
  });

  it("counts the hour's earlier exports when a later window crosses the bulk-export threshold", async () => {
    // The window starts after the ordinary exports of minute 30: only the look-back to the start of
    // the hour sees them, and the finding must cite them as it does when the whole hour is one window.
    await h.sql(`delete from govflow.audit_findings where rule = 'bulk_export' and dedupe_key like 'bulk_export:hourly:%'`);
    const lateWindow = { start: new Date(Date.parse(s.plantedWindow.start) + 45 * 60_000).toISOString(), end: s.plantedWindow.end };
    expect((await run(lateWindow, 'scenario-late-window')).status).toBe('completed');
    const hourly = (await findingsIn(s.plantedWindow)).filter((f) => f.rule === 'bulk_export' && f.description.startsWith('Exported'));
    const planted = s.planted.find((p) => p.rule === 'bulk_export' && p.eventIds.length > 1)!;
    expect(hourly.map((f) => signature(f.rule, f.evidence.map((e) => e.event_id)))).toEqual([signature(planted.rule, planted.eventIds)]);
  });
});
