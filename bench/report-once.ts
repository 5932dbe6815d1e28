import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { reportActivities } from '../activities/report';
import { lateWindowsActivities } from '../activities/late-windows';
import { timeQueries } from './query-timings';

// One report step (and the lateWindows step) over a kept run, in a process of its own, with the
// time of every query it sends: the same activity code a worker runs, with a mock activity context.
//   tsx bench/report-once.ts <databaseUrl> <workflowId> <runId> <windowStart> <windowEnd> [report|lateWindows]
//   → one JSON line on stdout: the step's seconds and each query's (first line of SQL, seconds)

const [databaseUrl, workflowId, runId, start, end, step = 'report'] = process.argv.slice(2) as [string, string, string, string, string, string?];

const queries = timeQueries();

const env = loadEnv({ DATABASE_URL: databaseUrl });
const pool = createPool(env.databaseUrl, 10);
const db = createDb(pool);
const deps = { pool, db, config: loadConfig('govflow.yaml'), env };
const run = { workflowId, runId, window: { start, end } };
const fn = step === 'lateWindows' ? lateWindowsActivities(deps).lateWindows : reportActivities(deps).report;

const started = process.hrtime.bigint();
const result = await new MockActivityEnvironment().run(fn as (r: typeof run) => Promise<unknown>, run);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await db.destroy();
console.log(JSON.stringify({ step, seconds, result, queries }));
