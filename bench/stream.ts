import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureTemporalCli } from '../cli/temporal-binary';
import { startDevServer } from '../cli/dev-server';
import { migrate } from '../cli/commands/migrate';
import { createGovflowWorker } from '../worker/create-worker';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { appendToStream } from '../ingest/stream/append';
import type { StreamInput, StreamStatus } from '../workflows/stream';
import { formatTimings, stepTimings } from './step-timings';

// npm run bench:stream [-- --rate 5000 --seconds 30 --batch-size 5000 --max-wait-ms 200 --keep-db]
// Sustained throughput and event-to-alert latency of stream mode on one machine: a real Temporal
// dev server, a worker, Postgres, and a producer appending events to the stream table at a fixed
// rate, one event in every 500 a denied access (which must raise an alert). Latency is measured
// in Postgres, from the moment the stream received a violating event to the moment its batch
// raised or updated the hour's alert (alert_occurrences).

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '5000' },
    'max-wait-ms': { type: 'string', default: '200' },
    // Leaves the database behind for a closer look (EXPLAIN a step's queries on real volumes).
    'keep-db': { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const TICK_MS = 100;
const PER_TICK = Math.round((RATE * TICK_MS) / 1000);
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const log = (s: string) => console.log(s);

// Traffic the shipped policy allows (the fraud service reading device data for security, from
// the EU), with one denied access in every 500: what a healthy platform looks like.
function eventAt(i: number, now: number): string {
  const denied = i % 500 === 0;
  return JSON.stringify({
    event_id: `b-${i}`, time: new Date(now).toISOString(), principal: denied ? 'contractor-x' : 'svc-fraud',
    subject: `user-${i % 100_000}`, action: 'read', resource: `/api/v1/sessions/${i % 5000}`, data_category: 'user.device.ip_address',
    purpose: 'security', region: 'eu-west-1', outcome: denied ? 'denied' : 'success', source_ip: `198.51.${(i >> 8) & 255}.${i & 255}`,
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dbName = `govflow_bench_stream_${Date.now()}`;
  const databaseUrl = `${PG}/${dbName}`;
  await migrate(databaseUrl, () => {});
  const server = await startDevServer({ binary: await ensureTemporalCli(log) });
  const pool = createPool(databaseUrl, 10);
  const db = createDb(pool);
  const env = { ...loadEnv({ DATABASE_URL: databaseUrl }), taskQueue: 'bench-stream' };
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createGovflowWorker({ connection: nativeConnection, namespace: 'default', taskQueue: env.taskQueue, deps: { pool, db, config: loadConfig('govflow.yaml'), env } });
  const working = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const input: StreamInput = { source: { kind: 'postgres', stream: 'bench' }, batchSize: Number(values['batch-size']), maxWaitMs: Number(values['max-wait-ms']) };
    const handle = await client.workflow.start('streamGovernance', { taskQueue: env.taskQueue, workflowId: 'bench-stream', args: [input] });
    log(`stream bench: ${RATE} events/s for ${SECONDS} s (${PER_TICK} every ${TICK_MS} ms), batch ≤ ${input.batchSize}, wait ≤ ${input.maxWaitMs} ms`);

    const started = Date.now();
    let produced = 0;
    let behind = 0;
    for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
      const due = started + tick * TICK_MS;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else behind++;
      const now = Date.now();
      await appendToStream(pool, 'bench', Array.from({ length: PER_TICK }, (_, k) => ({ payload: eventAt(produced + k, now) })));
      produced += PER_TICK;
    }
    const producedIn = (Date.now() - started) / 1000;
    // Keeping up shows here: what was not yet governed when the producer stopped is the backlog.
    const atEnd = await handle.query<StreamStatus>('streamStatus');
    const backlog = produced - atEnd.kpis.events;
    log(`produced ${produced} events in ${producedIn.toFixed(1)} s (${Math.round(produced / producedIn)}/s offered; producer late on ${behind} ticks)`);
    log(`backlog when the producer stopped: ${backlog} events (${(backlog / RATE).toFixed(1)} s of traffic)`);

    // Drain: wait until every event has been governed.
    for (;;) {
      const s = await handle.query<StreamStatus>('streamStatus');
      if (s.kpis.events >= produced) break;
      if (Date.now() - started > (SECONDS + 120) * 1000) throw new Error(`only ${s.kpis.events} of ${produced} governed after 120 s of draining`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows: span } = await pool.query(
      `select extract(epoch from max(b.created_at) - min(e.received_at)) as seconds, count(*) as batches
       from govflow.stream_batches b, (select min(received_at) as received_at from govflow.stream_events where stream = 'bench') e`,
    );
    const seconds = Number(span[0].seconds);
    const { rows: lat } = await pool.query(
      // Each batch with findings raises or updates its hour's alert, recorded as an occurrence over
      // the batch's span. An event at a batch boundary can fall in two spans: its alert is the first.
      `select extract(epoch from min(o.at) - s.received_at) * 1000 as ms
       from govflow.stream_events s
       join govflow.access_events e on e.source = 'stream:bench' and e.event_id = (s.payload::jsonb ->> 'event_id')
       join govflow.alert_occurrences o on e.occurred_at >= o.window_start and e.occurred_at < o.window_end
       where s.stream = 'bench' and s.payload::jsonb ->> 'outcome' = 'denied'
       group by s.seq, s.received_at`,
    );
    const ms = lat.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const denied = Math.floor((produced - 1) / 500) + 1;
    const s = await handle.query<StreamStatus>('streamStatus');
    log('');
    log(`governed ${s.kpis.events} events in ${s.kpis.batches} batches; ${ms.length} of ${denied} violating events reached an alert`);
    log(`alerts: ${s.kpis.alertsRaised} raised (one per clock hour), updated by ${s.kpis.alertsUpdated ?? 0} later batches`);
    log(`sustained throughput: ${Math.round(produced / seconds)} events/s (first receipt → last batch governed: ${seconds.toFixed(1)} s)   goal ≥ 5000/s`);
    log(`event-to-alert latency: p50 ${percentile(ms, 50).toFixed(0)} ms, p95 ${percentile(ms, 95).toFixed(0)} ms, max ${ms[ms.length - 1]?.toFixed(0)} ms   goal p95 < 2000 ms`);
    await handle.signal('stop');
    await handle.result();
    log('');
    log('where the time went (from the workflow histories):');
    for (const line of formatTimings(await stepTimings(client, 'bench-stream'))) log(`  ${line}`);
  } finally {
    worker.shutdown();
    await working;
    await connection.close();
    await nativeConnection.close();
    await db.destroy();
    await server.stop();
    if (values['keep-db']) log(`database kept: ${databaseUrl}`);
    else {
      const admin = new pg.Client({ connectionString: `${PG}/postgres` });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

await main();
