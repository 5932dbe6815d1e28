import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { maskActivities } from '../activities/mask';
import type { TaskResult } from '../workflow-safe/dag';

// One mask step, in a process of its own so its peak memory (VmHWM) is the step's alone: the
// same activity code a worker runs, with a mock activity context for heartbeats.
//   tsx bench/mask-once.ts <databaseUrl> <windowStart> <windowEnd>   → one JSON line on stdout

const [databaseUrl, start, end] = process.argv.slice(2) as [string, string, string];
const env = loadEnv({ DATABASE_URL: databaseUrl, GOVFLOW_MASK_THREADS: process.env.GOVFLOW_MASK_THREADS, GOVFLOW_MASK_PARALLELISM: process.env.GOVFLOW_MASK_PARALLELISM });
const pool = createPool(env.databaseUrl, 4);
const db = createDb(pool);
const { mask } = maskActivities({ pool, db, config: loadConfig('govflow.yaml'), env });

const started = process.hrtime.bigint();
// Where the time went: the step's heartbeats name its phases (masking/mask-window.ts).
const phases: Record<string, number> = {};
let phase = '';
let since = started;
const env2 = new MockActivityEnvironment();
env2.on('heartbeat', (d: { step?: string; table?: string }) => {
  const now = process.hrtime.bigint();
  const name = `${d.step ?? ''}${d.table ? ` ${d.table}` : ''}`;
  if (name === phase) return;
  if (phase) phases[phase] = (phases[phase] ?? 0) + Number(now - since) / 1e9;
  phase = name;
  since = now;
});
const result = (await env2.run(mask, { workflowId: 'bench', runId: 'bench', window: { start, end } })) as TaskResult;
const ended = process.hrtime.bigint();
const seconds = Number(ended - started) / 1e9;
if (phase) phases[phase] = (phases[phase] ?? 0) + Number(ended - since) / 1e9;
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
await db.destroy();
console.log(JSON.stringify({ seconds, masked: result.counts.maskedEvents, peakMb: peakKb / 1024, phases }));
