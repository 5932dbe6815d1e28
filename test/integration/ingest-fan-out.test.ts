import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proto from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { startGovflowWorker, type WorkerProcess } from '../support/govflow-cli';
import type { GovernanceResult } from '../../workflows/governance';
import type { IngestUnitInput } from '../../activities/ingest';
import type { ScopedRun, SourceScope } from '../../workflow-safe/source-scope';
import { bruteForce } from '../../audit/rules/brute-force';
import { policyTables } from '../../audit/policy-tables';

// Ingest fans out: one activity per file, started by the workflow, so every worker on the queue
// shares a run's ingest; and a source with a region is ingested, audited, checked for consent and
// masked only on that region's queue, by the workers deployed there. Checked from the run's
// history: which worker identity completed which unit, and which ran each scope of each step.

const EventType = proto.temporal.api.enums.v1.EventType;
const WINDOW = { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' };

/** `n` policy-compliant access events in the window, as JSONL (the fraud service, security). */
function accessLines(prefix: string, n: number, region: string): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += `${JSON.stringify({
      event_id: `${prefix}-${i}`, time: new Date(Date.parse(WINDOW.start) + i * 997).toISOString(), principal: 'svc-fraud',
      subject: `user-${i % 300}`, action: 'read', resource: `/api/v1/sessions/${i}/devices`, data_category: 'user.device.ip_address',
      purpose: 'security', outcome: 'success', source_ip: `10.0.${i % 200}.1`, region, user_agent: 'okhttp/4.12.0',
    })}\n`;
  }
  return out;
}

/** Per completed ingestUnit: its source, its files and the identity of the worker that ran it. */
async function unitsRun(h: Harness, workflowId: string): Promise<Array<{ source: string; files: string[]; identity: string }>> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, IngestUnitInput>();
  const started = new Map<number, string>();
  const out: Array<{ source: string; files: string[]; identity: string }> = [];
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes!.activityType!.name === 'ingestUnit') {
      const input = defaultPayloadConverter.fromPayload<IngestUnitInput>(e.activityTaskScheduledEventAttributes!.input!.payloads![0]!);
      scheduled.set(Number(e.eventId), input);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      started.set(Number(e.activityTaskStartedEventAttributes!.scheduledEventId), e.activityTaskStartedEventAttributes!.identity!);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const id = Number(e.activityTaskCompletedEventAttributes!.scheduledEventId);
      const input = scheduled.get(id);
      if (input) out.push({ source: input.unit.source, files: input.unit.files, identity: started.get(id)! });
    }
  }
  return out;
}

/**
 * Rows that make findings a region sees on its own (`tag` keeps event ids and people apart):
 * `denied` denied reads by alice, each from its own IP (denied_access each; together with the
 * other region's, a brute force against alice that neither region sees alone); `exported`
 * people exported by "exporter" in one hour (one hourly bulk_export past 100); `advertising`
 * accesses for advertising, which needs consent nobody gave (a consent violation each), each with
 * a card number in its URL (the sensitivity inventory counts it per source).
 */
function findingLines(tag: string, region: string, n: { denied: number; exported: number; advertising: number }): string {
  const at = (s: number) => new Date(Date.parse(WINDOW.start) + 20 * 60_000 + s * 1000).toISOString();
  const line = (o: Record<string, unknown>) => `${JSON.stringify({ user_agent: 'okhttp/4.12.0', region, ...o })}\n`;
  let out = '';
  for (let i = 0; i < n.denied; i++) {
    out += line({ event_id: `${tag}-denied-${i}`, time: at(i), principal: 'alice', subject: `${tag}-person-${i}`, action: 'read', resource: '/api/v1/accounts',
      data_category: 'user.account', purpose: 'service_delivery', outcome: 'denied', source_ip: `10.9.${tag === 'eu' ? 1 : 2}.${i + 1}` });
  }
  for (let i = 0; i < n.exported; i++) {
    out += line({ event_id: `${tag}-export-${i}`, time: at(60 + i), principal: 'exporter', subject: `${tag}-exported-${i}`, action: 'export',
      resource: '/api/v1/accounts/export', data_category: 'user.account', purpose: 'service_delivery', outcome: 'success', source_ip: '10.8.0.1' });
  }
  for (let i = 0; i < n.advertising; i++) {
    out += line({ event_id: `${tag}-ads-${i}`, time: at(600 + i), principal: 'svc-ads', subject: `${tag}-viewer-${i}`, action: 'read',
      resource: '/api/v1/billing/cards/5555341244441115/verify', data_category: 'user.behavior.media_consumption', purpose: 'advertising', outcome: 'success', source_ip: '10.7.0.1' });
  }
  return out;
}

/** Per scheduled activity of `types`: its type, its input's scope (if any) and the identity of the worker that started it. */
async function stepsRun(h: Harness, workflowId: string, types: string[]): Promise<Array<{ type: string; scope?: SourceScope; identity: string }>> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, { type: string; scope?: SourceScope }>();
  const out: Array<{ type: string; scope?: SourceScope; identity: string }> = [];
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && types.includes(a!.activityType!.name!)) {
      const input = defaultPayloadConverter.fromPayload<ScopedRun>(a!.input!.payloads![0]!);
      scheduled.set(Number(e.eventId), { type: a!.activityType!.name!, ...(input.scope ? { scope: input.scope } : {}) });
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const s = scheduled.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId));
      if (s) out.push({ ...s, identity: e.activityTaskStartedEventAttributes!.identity! });
    }
  }
  return out;
}

/** A query's rows, typed. */
const rowsOf = async <T>(h: Harness, text: string): Promise<T[]> => (await h.sql(text)) as T[];

function run(h: Harness, id: string): Promise<GovernanceResult> {
  return h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: id, args: [{ window: WINDOW, trigger: 'cli' }] });
}

describe('ingest over many files, shared by two worker processes on one task queue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-fan-out-'));
  const FILES = 24;
  const PER_FILE = 1500;
  let h: Harness;
  let second: WorkerProcess;
  beforeAll(async () => {
    for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `access-${String(f).padStart(2, '0')}.jsonl`), accessLines(`f${f}`, PER_FILE, 'eu-west-1'));
    const configFile = writeConfig([{ name: 'many-access', kind: 'access', format: 'jsonl', path: join(dir, 'access-*.jsonl') }]);
    h = await startHarness({ configFile });
    second = await startGovflowWorker(h, [], { GOVFLOW_CONFIG: configFile });
  }, 180_000);
  afterAll(async () => {
    await second?.stop();
    await h?.close();
  });

  it('runs one ingestUnit per file, some on each worker, and loads every file once', async () => {
    const id = `fan-out-${Date.now()}`;
    const result = await run(h, id);
    expect(result.status).toBe('completed');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: FILES * PER_FILE, rowsInserted: FILES * PER_FILE, filesLoaded: FILES });
    expect(result.sources).toEqual([expect.objectContaining({ source: 'many-access', files: FILES, filesLoaded: FILES, records: FILES * PER_FILE, state: 'delivered' })]);

    const units = await unitsRun(h, id);
    expect(units.map((u) => u.files).flat().sort()).toEqual(Array.from({ length: FILES }, (_, f) => join(dir, `access-${String(f).padStart(2, '0')}.jsonl`)));
    const identities = new Set(units.map((u) => u.identity));
    // The harness's worker runs in this process; the other is `govflow worker`.
    expect(identities.has(second.identity)).toBe(true);
    expect(identities.size).toBe(2);
    const [n] = await h.sql('select count(*)::int as n from govflow.access_events');
    expect(n!.n).toBe(FILES * PER_FILE);

    // 36,000 rows loaded into the window's day: its partition was analyzed before the steps ran.
    expect(result.tasks.ingest!.counts!.tablesAnalyzed).toBe(1);
    const stats = await h.sql(`select count(*)::int as n from pg_stats where schemaname = 'govflow' and tablename = 'access_events_20261101'`);
    expect(stats[0]!.n).toBeGreaterThan(0);
  }, 240_000);
});

describe('region-pinned workers', () => {
  const EU = { denied: 3, exported: 120, advertising: 7 };
  const US = { denied: 3, exported: 110, advertising: 4 };
  const EU_ROWS = 2000 + EU.denied + EU.exported + EU.advertising;
  const US_ROWS = 1200 + US.denied + US.exported + US.advertising;
  const dir = mkdtempSync(join(tmpdir(), 'govflow-regions-'));
  let h: Harness;
  let eu: WorkerProcess;
  let us: WorkerProcess;
  beforeAll(async () => {
    for (let f = 0; f < 4; f++) {
      writeFileSync(join(dir, `eu-${f}.jsonl`), accessLines(`eu${f}`, 500, 'eu-west-1'));
      writeFileSync(join(dir, `us-${f}.jsonl`), accessLines(`us${f}`, 300, 'us-east-1'));
    }
    writeFileSync(join(dir, 'eu-4.jsonl'), findingLines('eu', 'eu-west-1', EU));
    writeFileSync(join(dir, 'us-4.jsonl'), findingLines('us', 'us-east-1', US));
    const configFile = writeConfig([
      { name: 'eu-access', kind: 'access', format: 'jsonl', path: join(dir, 'eu-*.jsonl'), region: 'eu-west-1' },
      { name: 'us-access', kind: 'access', format: 'jsonl', path: join(dir, 'us-*.jsonl'), region: 'us-east-1' },
    ]);
    h = await startHarness({ configFile });
    const env = { GOVFLOW_CONFIG: configFile };
    [eu, us] = await Promise.all([startGovflowWorker(h, ['--region', 'eu-west-1'], env), startGovflowWorker(h, ['--region', 'us-east-1'], env)]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([eu?.stop(), us?.stop()]);
    await h?.close();
  });

  let id: string;
  let result: GovernanceResult;
  beforeAll(async () => {
    id = `regions-${Date.now()}`;
    result = await run(h, id);
  }, 240_000);

  it("ingests each region's files only on that region's worker, and joins them into one run", async () => {
    expect(result.status).toBe('completed');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: EU_ROWS + US_ROWS, filesLoaded: 10 });

    const units = await unitsRun(h, id);
    expect(units).toHaveLength(10);
    for (const u of units) expect(u.identity, `${u.source} ${u.files}`).toBe(u.source === 'eu-access' ? eu.identity : us.identity);
    expect(units.filter((u) => u.source === 'eu-access')).toHaveLength(5);

    const rows = await h.sql('select source, count(*)::int as n from govflow.access_events group by source order by source');
    expect(rows).toEqual([{ source: 'eu-access', n: EU_ROWS }, { source: 'us-access', n: US_ROWS }]);
  });

  it("audits, checks consent and masks each region's rows only on that region's worker, the rest on the run's own", async () => {
    const steps = await stepsRun(h, id, ['audit', 'consent', 'mask']);
    // Per step: eu, us and the rest (sources without a region: none here, and rows of any unconfigured source).
    expect(steps).toHaveLength(9);
    for (const type of ['audit', 'consent', 'mask']) {
      const mine = steps.filter((s) => s.type === type);
      expect(mine.map((s) => s.scope?.region ?? 'rest').sort(), type).toEqual(['eu-west-1', 'rest', 'us-east-1']);
      for (const s of mine) {
        if (s.scope?.region === 'eu-west-1') expect({ type, identity: s.identity, sources: s.scope.sources }).toEqual({ type, identity: eu.identity, sources: ['eu-access'] });
        else if (s.scope?.region === 'us-east-1') expect({ type, identity: s.identity, sources: s.scope.sources }).toEqual({ type, identity: us.identity, sources: ['us-access'] });
        else {
          // The rest reads every source but the pinned ones, on the default worker (this process).
          expect(s.scope).toEqual({ sources: ['eu-access', 'us-access'], regions: ['eu-west-1', 'us-east-1'] });
          expect([eu.identity, us.identity]).not.toContain(s.identity);
        }
      }
    }
  });

  it("finds, groups and masks each region's rows as a run over that region alone would", async () => {
    // Findings per source (from their evidence) and rule: what each region's rows make on their own.
    const findings = await rowsOf<{ source: string; rule: string; n: number; keys: string[] }>(h, `
      select r->>'source' as source, f.rule, count(distinct f.id)::int as n, array_agg(distinct right(f.dedupe_key, 10)) as keys
      from govflow.audit_findings f cross join jsonb_array_elements(f.evidence) r
      where f.rule in ('denied_access', 'bulk_export', 'brute_force') group by 1, 2 order by 1, 2`);
    expect(findings).toEqual([
      { source: 'eu-access', rule: 'bulk_export', n: 1, keys: ['@eu-west-1'] },
      { source: 'eu-access', rule: 'denied_access', n: EU.denied, keys: ['@eu-west-1'] },
      { source: 'us-access', rule: 'bulk_export', n: 1, keys: ['@us-east-1'] },
      { source: 'us-access', rule: 'denied_access', n: US.denied, keys: ['@us-east-1'] },
    ]);
    // No finding mixes regions' evidence.
    const mixed = await rowsOf<{ n: number }>(h, `
      select count(*)::int as n from govflow.audit_findings f
      where (select count(distinct r->>'source') from jsonb_array_elements(f.evidence) r) > 1`);
    expect(mixed[0]!.n).toBe(0);
    // The same principal's hourly export in both regions: two findings, each region's own count.
    const exports = await rowsOf<{ description: string }>(h, `select description from govflow.audit_findings where rule = 'bulk_export' order by dedupe_key`);
    expect(exports.map((e) => e.description)).toEqual([
      expect.stringContaining(`Exported ${EU.exported} people`),
      expect.stringContaining(`Exported ${US.exported} people`),
    ]);
    // Alice's 3 + 3 denied reads from 6 IPs are a brute force against her only across regions:
    // neither region sees it (the sovereignty trade-off, README "Regions").
    expect(findings.some((f) => f.rule === 'brute_force')).toBe(false);
    const policy = h.config.policy.policy;
    const unscoped = await bruteForce.select({ window: WINDOW, key: h.env.pseudonymKey, policy, tables: policyTables(policy) }).execute(h.db);
    expect(unscoped.rows, 'the data does hold a brute force across the two regions').toHaveLength(1);

    // Incidents: each region's own (its `about` ends with its region), never one shared.
    const incidents = await rowsOf<{ rule: string; about: string; findings: number }>(h, `
      select rule, right(about, 10) as about, findings from govflow.incidents where rule in ('denied_access', 'consent_violation', 'bulk_export')
      order by rule, about, findings`);
    expect(incidents).toEqual([
      { rule: 'bulk_export', about: '@eu-west-1', findings: 1 },
      { rule: 'bulk_export', about: '@us-east-1', findings: 1 },
      ...Array.from({ length: EU.advertising }, () => ({ rule: 'consent_violation', about: '@eu-west-1', findings: 1 })),
      ...Array.from({ length: US.advertising }, () => ({ rule: 'consent_violation', about: '@us-east-1', findings: 1 })),
      { rule: 'denied_access', about: '@eu-west-1', findings: EU.denied },
      { rule: 'denied_access', about: '@us-east-1', findings: US.denied },
    ]);

    const violations = await h.sql('select source, count(*)::int as n from govflow.consent_violations group by source order by source');
    expect(violations).toEqual([{ source: 'eu-access', n: EU.advertising }, { source: 'us-access', n: US.advertising }]);
    const masked = await h.sql('select source, count(*)::int as n, min(workflow_id) = max(workflow_id) as one_run from govflow.masked_events group by source order by source');
    expect(masked).toEqual([{ source: 'eu-access', n: EU_ROWS, one_run: true }, { source: 'us-access', n: US_ROWS, one_run: true }]);
    const inventory = await h.sql(`select source, field, kind, seen::int from govflow.sensitivity_inventory order by source, field, kind`);
    expect(inventory).toEqual([
      { source: 'eu-access', field: 'resource', kind: 'CREDIT_CARD', seen: EU.advertising },
      { source: 'us-access', field: 'resource', kind: 'CREDIT_CARD', seen: US.advertising },
    ]);

    // The task results join the scopes': sums of each region's, as the DAG's one result.
    const [total] = await rowsOf<{ n: number }>(h, `select count(*)::int as n from govflow.audit_findings`);
    expect(result.tasks.audit!.counts).toMatchObject({ findings: total!.n, rowsOut: total!.n });
    expect(result.tasks.audit!.breakdown!.findingsByRule).toMatchObject({ denied_access: EU.denied + US.denied, bulk_export: 2 });
    expect(result.tasks.consent!.counts).toMatchObject({ consentViolations: EU.advertising + US.advertising, consentIncidents: EU.advertising + US.advertising });
    expect(result.tasks.mask!.counts).toMatchObject({ maskedEvents: EU_ROWS + US_ROWS, rowsIn: EU_ROWS + US_ROWS });
  });

  it("re-running a region's steps rewrites its own rows and leaves the other region's alone", async () => {
    const before = await h.sql(`select source, count(*)::int as n from govflow.masked_events group by source order by source`);
    const inventoryBefore = await h.sql(`select source, field, kind, seen::int from govflow.sensitivity_inventory order by source, field, kind`);
    const again = await run(h, `${id}-again`);
    expect(again.status).toBe('completed');
    // Masked again by the second run: each region's rows rewritten once, none deleted by the other.
    const after = await h.sql(`select source, count(*)::int as n, bool_and(workflow_id = '${id}-again') as rewritten from govflow.masked_events group by source order by source`);
    expect(after).toEqual((before as Array<{ source: string; n: number }>).map((r) => ({ ...r, rewritten: true })));
    expect(again.tasks.audit!.counts).toMatchObject({ findings: result.tasks.audit!.counts!.findings, incidentsCreated: 0 });
    expect(again.tasks.consent!.counts!.consentViolations).toBe(EU.advertising + US.advertising);
    const incidents = await rowsOf<{ n: number }>(h, `select count(*)::int as n from govflow.incidents where rule = 'denied_access'`);
    expect(incidents[0]!.n).toBe(2);
    // Each region replaced only its own sources' inventory rows for the window.
    expect(await h.sql(`select source, field, kind, seen::int from govflow.sensitivity_inventory order by source, field, kind`)).toEqual(inventoryBefore);
  }, 240_000);

  it("keeps a revision's steps on their regions' queues: it skips ingest, and its parent hands it the regions", async () => {
    const child = `${id}-revision`;
    const revised = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue, workflowId: child,
      args: [{ window: WINDOW, trigger: 'late-data', skipTasks: ['ingest'], revision: { reason: 'late-data', detectedBy: id },
               sourceRegions: { 'eu-west-1': ['eu-access'], 'us-east-1': ['us-access'] } }],
    });
    expect(revised.status).toBe('completed');
    const steps = await stepsRun(h, child, ['audit', 'consent', 'mask']);
    expect(steps).toHaveLength(9);
    for (const s of steps.filter((x) => x.scope?.region)) expect(s.identity, `${s.type} ${s.scope!.region}`).toBe(s.scope!.region === 'eu-west-1' ? eu.identity : us.identity);
  }, 240_000);

  it("hands the regions to a late window's revision, whose steps then run on the regional workers", async () => {
    // eu rows for the governed window arrive with the next hour's run: it governs that window again.
    writeFileSync(join(dir, 'eu-5.jsonl'), accessLines('eu-late', 10, 'eu-west-1'));
    const next = `${id}-next`;
    const later = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue, workflowId: next, args: [{ window: { start: WINDOW.end, end: '2026-11-01T12:00:00.000Z' }, trigger: 'cli' }],
    });
    expect(later.revisedWindows).toMatchObject([{ window: WINDOW, lateRows: { access: 10 }, status: 'completed' }]);
    const steps = await stepsRun(h, later.revisedWindows![0]!.revisionWorkflowId, ['audit', 'consent', 'mask']);
    expect(steps.map((s) => `${s.type}:${s.scope?.region ?? 'rest'}`).sort()).toEqual(
      ['audit', 'consent', 'mask'].flatMap((t) => [`${t}:eu-west-1`, `${t}:rest`, `${t}:us-east-1`]),
    );
    for (const s of steps.filter((x) => x.scope?.region)) expect(s.identity, `${s.type} ${s.scope!.region}`).toBe(s.scope!.region === 'eu-west-1' ? eu.identity : us.identity);
    const [masked] = await rowsOf<{ n: number }>(h, `select count(*)::int as n from govflow.masked_events where source = 'eu-access'`);
    expect(masked!.n).toBe(EU_ROWS + 10);
  }, 240_000);

  it('refuses a malformed region with one line', async () => {
    const { runGovflow } = await import('../support/govflow-cli');
    const bad = await runGovflow(h, ['worker', '--region', 'EU West']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--region: expected a region name');
  });
});
