import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { consentActivities } from '../activities/consent';
import type { TaskResult } from '../workflow-safe/dag';
import { timeQueries } from './query-timings';

// One consent step, in a process of its own, with every statement's time: the same activity code
// a worker runs, with a mock activity context.
//   tsx bench/consent-once.ts <databaseUrl> <windowStart> <windowEnd> [workflowId=bench]
//     → one line per statement (seconds, its first words) on stderr, one JSON line on stdout

const [databaseUrl, start, end, workflowId = 'bench'] = process.argv.slice(2) as [string, string, string, string?];
const env = loadEnv({ DATABASE_URL: databaseUrl });
const statements = timeQueries();
const pool = createPool(env.databaseUrl, 4);
const db = createDb(pool);
const { consent } = consentActivities({ pool, db, config: loadConfig('govflow.yaml'), env });

const started = process.hrtime.bigint();
const result = (await new MockActivityEnvironment().run(consent, { workflowId, runId: 'bench', window: { start, end } })) as TaskResult;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await db.destroy();
for (const s of statements) process.stderr.write(`${s.seconds.toFixed(3).padStart(7)} s  ${s.sql}\n`);
console.log(JSON.stringify({ seconds, counts: result.counts }));
