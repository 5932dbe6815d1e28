import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { ingestActivities } from '../activities/ingest';

// One ingest, in a process of its own so its peak memory (VmHWM) is the ingest's alone:
// the same activity code a worker runs, with a mock activity context for heartbeats.
//   tsx bench/ingest-once.ts <databaseUrl> <govflow.yaml>   → one JSON line on stdout

const [databaseUrl, configFile] = process.argv.slice(2);
const env = { ...loadEnv({ DATABASE_URL: databaseUrl }) };
const config = loadConfig(configFile);
const pool = createPool(env.databaseUrl, 4);
const db = createDb(pool);
const { ingest } = ingestActivities({ pool, db, config, env });

const started = process.hrtime.bigint();
const result: Awaited<ReturnType<typeof ingest>> = await new MockActivityEnvironment().run(ingest, {
  workflowId: 'bench',
  runId: 'bench',
  window: { start: '2026-10-01T00:00:00Z', end: '2026-10-08T00:00:00Z' },
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
await db.destroy();
console.log(JSON.stringify({ seconds, records: result.counts.recordsRead, inserted: result.counts.rowsInserted, rejected: result.counts.recordsRejected, peakMb: peakKb / 1024 }));
