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

// Ingest fans out: one activity per file, started by the workflow, so every worker on the queue
// shares a run's ingest; and a source with a region is ingested only on that region's queue, by
// the workers deployed there. Checked from the run's history: which worker identity completed
// which unit.

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
  const dir = mkdtempSync(join(tmpdir(), 'govflow-regions-'));
  let h: Harness;
  let eu: WorkerProcess;
  let us: WorkerProcess;
  beforeAll(async () => {
    for (let f = 0; f < 4; f++) {
      writeFileSync(join(dir, `eu-${f}.jsonl`), accessLines(`eu${f}`, 500, 'eu-west-1'));
      writeFileSync(join(dir, `us-${f}.jsonl`), accessLines(`us${f}`, 300, 'us-east-1'));
    }
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

  it("ingests each region's files only on that region's worker, and joins them into one run", async () => {
    const id = `regions-${Date.now()}`;
    const result = await run(h, id);
    expect(result.status).toBe('completed');
    expect(result.tasks.ingest!.counts).toMatchObject({ recordsRead: 4 * 500 + 4 * 300, filesLoaded: 8 });

    const units = await unitsRun(h, id);
    expect(units).toHaveLength(8);
    for (const u of units) expect(u.identity, `${u.source} ${u.files}`).toBe(u.source === 'eu-access' ? eu.identity : us.identity);
    expect(units.filter((u) => u.source === 'eu-access')).toHaveLength(4);

    const rows = await h.sql('select source, count(*)::int as n from govflow.access_events group by source order by source');
    expect(rows).toEqual([{ source: 'eu-access', n: 2000 }, { source: 'us-access', n: 1200 }]);
  }, 240_000);

  it('refuses a malformed region with one line', async () => {
    const { runGovflow } = await import('../support/govflow-cli');
    const bad = await runGovflow(h, ['worker', '--region', 'EU West']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--region: expected a region name');
  });
});
