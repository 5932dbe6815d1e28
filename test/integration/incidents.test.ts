import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import type { GovernanceResult } from '../../workflows/governance';
import { auditRuleRunner } from '../../audit/run-rules';

// Findings grouped into incidents (audit/incidents.ts) over the bundled sample, on a real Temporal
// dev server and Postgres: the hour governed as two half-hour windows (as stream batches or a
// late second run would) grows the 10:00 incidents instead of adding new ones, and every finding
// stays linked to exactly one incident.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function run(start: string, end: string, id: string): Promise<GovernanceResult> {
  return h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue,
    workflowId: `${id}-${Date.now()}`,
    args: [{ window: { start, end }, trigger: 'cli' }],
  });
}

type Incident = { id: string; rule: string; about: string; findings: number; growths: number; bucket_start: Date; sample_finding_ids: string[] };
const incidents = async () =>
  (await h.sql('select id, rule, about, findings, growths, bucket_start, sample_finding_ids from govflow.incidents order by id')) as unknown as Incident[];

describe('incidents', () => {
  let firstHalf: Incident[];
  let first: GovernanceResult;

  it('groups the first half-hour\'s findings by rule and what they are about', async () => {
    const r = await run('2026-11-01T10:00:00Z', '2026-11-01T10:30:00Z', 'incidents-a');
    expect(r.status).toBe('completed');
    first = r;
    firstHalf = await incidents();
    expect(firstHalf.length).toBeGreaterThan(0);
    expect(r.kpis.incidents.total).toBe(firstHalf.length);
    // Fewer incidents than findings: the six sovereignty breaches are one principal's.
    expect(r.kpis.incidents.total).toBeLessThan(r.kpis.findings.total + r.kpis.consentViolations);
    for (const i of firstHalf) expect(i.bucket_start.toISOString()).toBe('2026-11-01T10:00:00.000Z');
  });

  it('a retried audit attempt reports the incidents its workflow created, as the first attempt did', async () => {
    // What Temporal does after a worker died between the audit's commit and its completion: the
    // same activity input again. The incidents exist; the count must not drop to 0 (chaos finding 6).
    const created = first.tasks.audit!.counts!.incidentsCreated!;
    expect(created).toBe(firstHalf.filter((i) => i.rule !== 'consent_violation').length);
    const { audit } = auditRuleRunner({ pool: h.pool, db: h.db, config: h.config, env: h.env });
    const again = await audit({ workflowId: first.workflowId, runId: first.runId, window: first.window });
    expect(again.counts).toMatchObject({ incidentsCreated: created, incidentsGrown: 0 });
    expect(await incidents()).toEqual(firstHalf);
  });

  it('grows the same incidents when the second half-hour adds findings to the hour, without duplicates', async () => {
    const r = await run('2026-11-01T10:30:00Z', '2026-11-01T11:00:00Z', 'incidents-b');
    expect(r.status).toBe('completed');
    const after = await incidents();
    const keys = after.map((i) => `${i.rule}|${i.about}|${i.bucket_start.toISOString()}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every incident of the first half is still there under its id, none smaller.
    for (const before of firstHalf) {
      const now = after.find((i) => i.id === before.id)!;
      expect(now, `${before.rule} ${before.about}`).toBeDefined();
      expect(now.findings).toBeGreaterThanOrEqual(before.findings);
      if (now.findings > before.findings) expect(now.growths).toBe(before.growths + 1);
    }
    expect(after.some((i) => i.growths > 0)).toBe(true);
  });

  it('accounts for every finding and consent violation in exactly one incident, and a re-run changes nothing', async () => {
    const before = await incidents();
    const r = await run('2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', 'incidents-c');
    expect(r.status).toBe('completed');
    expect(await incidents()).toEqual(before);

    const [counts] = await h.sql(`select
      (select count(*) from govflow.audit_findings)::int as findings,
      (select count(*) from govflow.consent_violations)::int as violations,
      (select count(*) from govflow.audit_findings where incident_id is null)::int as unlinked_findings,
      (select count(*) from govflow.consent_violations where incident_id is null)::int as unlinked_violations,
      (select sum(findings) from govflow.incidents)::int as grouped`);
    expect(counts).toEqual({ findings: 19, violations: 2, unlinked_findings: 0, unlinked_violations: 0, grouped: 21 });
    expect(r.kpis.findings.total).toBe(19);
    expect(r.kpis.incidents.total).toBe(before.length);
    // Each incident's count is the number of findings that point at it; its sample is among them.
    const linked = await h.sql(`select i.id, i.findings,
        (select count(*) from govflow.audit_findings f where f.incident_id = i.id)::int +
        (select count(*) from govflow.consent_violations v where v.incident_id = i.id)::int as n
      from govflow.incidents i`);
    for (const l of linked) expect(l.n).toBe(l.findings);
    const sovereignty = before.filter((i) => i.rule === 'sovereignty_breach');
    expect(sovereignty.reduce((s, i) => s + i.findings, 0)).toBe(6);
    expect(sovereignty.length).toBeLessThan(6);
  });

  it('the compliance report and the alert name the incidents', async () => {
    const [report] = await h.sql(`select text, kpis from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T10:00:00Z' and window_end = '2026-11-01T11:00:00Z'`);
    const n = (await incidents()).length;
    expect((report!.kpis as { incidents: { total: number } }).incidents.total).toBe(n);
    expect(report!.text).toMatch(new RegExp(`Incidents\\s+${n} \\(findings grouped`));
    const [alert] = await h.sql(`select title, summary from govflow.alerts where window_start = '2026-11-01T10:00:00Z' and window_end = '2026-11-01T11:00:00Z'`);
    expect(alert!.title).toMatch(new RegExp(`^21 non-compliance finding\\(s\\) in ${n} incident\\(s\\)`));
    expect(alert!.summary).toMatch(/^Incidents: /);
  });
});
