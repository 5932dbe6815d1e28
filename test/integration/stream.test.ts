import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kinesalite from 'kinesalite';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startHarness, type Harness } from '../support/harness';
import { eventually } from '../support/eventually';
import { freePort } from '../../cli/dev-server';
import { appendToStream } from '../../ingest/stream/append';
import { handleKinesisEvent, type KinesisEvent } from '../../lambda/kinesis';
import { kinesisClient } from '../../ingest/stream/kinesis-reader';
import type { StreamInput, StreamStatus } from '../../workflows/stream';
import proto from '@temporalio/proto';

const EventType = proto.temporal.api.enums.v1.EventType;

// Stream mode on real Temporal and Postgres, and a real Kinesis-protocol server (kinesalite) on
// loopback: events are governed within the batch that brings them, a worker killed mid-stream
// loses and duplicates nothing, and the Lambda handler appends each Kinesis record once.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const event = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    event_id: `ev-${i}`, time: new Date(Date.parse('2026-11-01T10:00:00Z') + i * 10).toISOString(), principal: 'svc-recommender',
    subject: `user-${i % 50}`, action: 'read', purpose: 'service_delivery', outcome: 'success', source_ip: '203.0.113.7', ...over,
  });

// Queries fail until the workflow's first task ran: treat that as "not yet".
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> =>
  eventually(() => probe().catch(() => undefined), what, timeoutMs, 100);

const status = (id: string) => h.client.workflow.getHandle(id).query<StreamStatus>('streamStatus');

describe('streamGovernance on the Postgres stream', () => {
  it('governs each batch as it arrives, alerts on it, pauses, resumes and stops', async () => {
    const workflowId = `stream-pg-${Date.now()}`;
    const input: StreamInput = { source: { kind: 'postgres', stream: 'a' }, batchSize: 500, maxWaitMs: 200 };
    await h.client.workflow.start('streamGovernance', { taskQueue: h.taskQueue, workflowId, args: [input] });

    await appendToStream(h.pool, 'a', [
      ...Array.from({ length: 300 }, (_, i) => ({ payload: event(i) })),
      { payload: event(1000, { outcome: 'denied', principal: 'contractor-x' }) },
      { payload: '{"not": "an event"' },
    ]);
    const s = await waitFor('the batch to be governed', async () => {
      const st = await status(workflowId);
      return st.kpis.events === 301 ? st : undefined;
    });
    expect(s.kpis).toMatchObject({ events: 301, rejected: 1, alertsRaised: 1 });
    expect(s.kpis.lastLagMs).toBeGreaterThanOrEqual(0);
    const [finding] = await h.sql("select rule, principal_key from govflow.audit_findings where evidence @> '[{\"event_id\": \"ev-1000\"}]'");
    expect(finding).toMatchObject({ rule: 'denied_access', principal_key: expect.stringMatching(/^p_/) });
    expect(await h.sql("select count(*)::int as n from govflow.masked_events where source = 'stream:a'")).toEqual([{ n: 301 }]);

    await h.client.workflow.getHandle(workflowId).signal('pause');
    await waitFor('pause', async () => ((await status(workflowId)).state === 'paused' ? true : undefined));
    await appendToStream(h.pool, 'a', [{ payload: event(2000) }]);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await status(workflowId)).kpis.events).toBe(301);
    await h.client.workflow.getHandle(workflowId).signal('resume');
    await waitFor('resume', async () => ((await status(workflowId)).kpis.events === 302 ? true : undefined));
    // Two more denied accesses, one batch each: later in the same hour, then in the next hour.
    await appendToStream(h.pool, 'a', [{ payload: event(3000, { outcome: 'denied', principal: 'contractor-x' }) }]);
    await waitFor('the third batch', async () => ((await status(workflowId)).kpis.events === 303 ? true : undefined));
    await appendToStream(h.pool, 'a', [{ payload: event(360_500, { outcome: 'denied', principal: 'contractor-x' }) }]);
    await waitFor('the next hour', async () => ((await status(workflowId)).kpis.events === 304 ? true : undefined));

    await h.client.workflow.getHandle(workflowId).signal('stop');
    const final = await h.client.workflow.getHandle(workflowId).result();
    expect(final).toMatchObject({ events: 304, rejected: 1, alertsRaised: 2 });

    // One alert per clock hour: later batches update it (each recorded as an occurrence) instead
    // of notifying the governance team again; one escalation per alert, each started once.
    const alerts = (await h.sql(
      `select a.window_start, a.occurrences, (select count(*)::int from govflow.alert_occurrences o where o.alert_id = a.id) as recorded
       from govflow.alerts a where a.workflow_id = $1 order by a.window_start`,
      [workflowId],
    )) as Array<{ window_start: Date; occurrences: number; recorded: number }>;
    expect(alerts.map((a) => a.window_start.toISOString())).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-01T11:00:00.000Z']);
    expect(alerts[0]!.occurrences).toBeGreaterThanOrEqual(2);
    expect(alerts.map((a) => a.recorded)).toEqual(alerts.map((a) => a.occurrences));
    expect(final.alertsUpdated).toBe(alerts[0]!.occurrences - 1 + alerts[1]!.occurrences - 1);
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const types = (history.events ?? []).map((e) => EventType[e.eventType!]);
    expect(types.filter((t) => t === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toHaveLength(2);
    expect(types).not.toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED');
  });

  it('continues as new, carrying its KPIs', async () => {
    const workflowId = `stream-can-${Date.now()}`;
    const input: StreamInput = { source: { kind: 'postgres', stream: 'b' }, batchSize: 10, maxWaitMs: 50, batchesPerRun: 3 };
    await appendToStream(h.pool, 'b', Array.from({ length: 45 }, (_, i) => ({ payload: event(5000 + i) })));
    await h.client.workflow.start('streamGovernance', { taskQueue: h.taskQueue, workflowId, args: [input] });
    const s = await waitFor('all events', async () => {
      const st = await status(workflowId);
      return st.kpis.events === 45 ? st : undefined;
    });
    expect(s.kpis.continuedAsNew).toBeGreaterThanOrEqual(1);
    await h.client.workflow.getHandle(workflowId).signal('stop');
  });
});

describe('a worker killed mid-stream', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  const startWorker = (queue: string) =>
    spawn(process.execPath, ['bin/govflow.mjs', 'worker'], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_TASK_QUEUE: queue },
      stdio: 'ignore',
    });

  it('neither loses nor duplicates an event when it is restarted', { timeout: 240_000 }, async () => {
    const queue = `${h.taskQueue}-crash`;
    const workflowId = `stream-crash-${Date.now()}`;
    const N = 20_000;
    child = startWorker(queue);
    await h.client.workflow.start('streamGovernance', {
      taskQueue: queue, workflowId, args: [{ source: { kind: 'postgres', stream: 'c' }, batchSize: 1000, maxWaitMs: 100 } satisfies StreamInput],
    });
    await appendToStream(h.pool, 'c', Array.from({ length: N }, (_, i) => ({ payload: event(10_000 + i) })));
    await waitFor('some batches', async () => {
      const [r] = await h.sql("select count(*)::int as n from govflow.stream_batches where consumer = 'stream:c'");
      return Number(r!.n) >= 2 ? true : undefined;
    });
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = startWorker(queue);
    const s = await waitFor('every event', async () => {
      const st = await status(workflowId);
      return st.kpis.events === N ? st : undefined;
    }, 180_000);
    expect(s.kpis.events).toBe(N);
    const [rows] = await h.sql("select count(*)::int as n, count(distinct event_id)::int as d from govflow.access_events where source = 'stream:c'");
    expect(rows).toEqual({ n: N, d: N });
    const [batches] = await h.sql("select sum(records)::int as n from govflow.stream_batches where consumer = 'stream:c'");
    expect(batches!.n).toBe(N);
    await h.client.workflow.getHandle(workflowId).signal('stop');
  });
});

describe('Kinesis', () => {
  let server: { listen: Function; close: Function };
  let endpoint: string;
  beforeAll(async () => {
    server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10 });
    const port = await freePort();
    await new Promise((r) => server.listen(port, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  });
  afterAll(() => server?.close());

  it('reads every shard after its checkpoint, exactly once', async () => {
    const k = kinesisClient({ endpoint, region: 'us-east-1' });
    await k.send(new CreateStreamCommand({ StreamName: 'access', ShardCount: 2 }));
    await waitFor('stream', async () => ((await k.send(new DescribeStreamCommand({ StreamName: 'access' }))).StreamDescription?.StreamStatus === 'ACTIVE' ? true : undefined));
    const put = (from: number, n: number) =>
      k.send(new PutRecordsCommand({ StreamName: 'access', Records: Array.from({ length: n }, (_, i) => ({ Data: Buffer.from(event(20_000 + from + i)), PartitionKey: `p${from + i}` })) }));
    await put(0, 200);
    const workflowId = `stream-kinesis-${Date.now()}`;
    await h.client.workflow.start('streamGovernance', {
      taskQueue: h.taskQueue, workflowId, args: [{ source: { kind: 'kinesis', streamName: 'access', endpoint, region: 'us-east-1' }, batchSize: 100, maxWaitMs: 100 } satisfies StreamInput],
    });
    await waitFor('first records', async () => ((await status(workflowId)).kpis.events === 200 ? true : undefined));
    await put(200, 150);
    await waitFor('more records', async () => ((await status(workflowId)).kpis.events === 350 ? true : undefined));
    const checkpoints = await h.sql("select shard from govflow.stream_checkpoints where consumer = 'kinesis:access' order by shard");
    expect(checkpoints.map((c) => c.shard)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const [rows] = await h.sql("select count(*)::int as n, count(distinct event_id)::int as d from govflow.access_events where source = 'kinesis:access'");
    expect(rows).toEqual({ n: 350, d: 350 });
    await h.client.workflow.getHandle(workflowId).signal('stop');
    k.destroy();
  });

  it('has a Lambda handler that appends a Kinesis event batch once, however often it is delivered', async () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/kinesis-lambda-event.json', 'utf8')) as KinesisEvent;
    process.env.GOVFLOW_STREAM = 'lambda';
    expect(await handleKinesisEvent(fixture, h.pool)).toEqual({ appended: 3, received: 3 });
    expect(await handleKinesisEvent(fixture, h.pool)).toEqual({ appended: 0, received: 3 });
    const rows = await h.sql("select payload from govflow.stream_events where stream = 'lambda' order by seq");
    expect(rows.map((r) => JSON.parse(String(r.payload)).event_id)).toEqual(['lambda-0', 'lambda-1', 'lambda-2']);
  });
});
