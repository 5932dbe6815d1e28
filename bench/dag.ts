import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../cli/temporal-binary';
import { startDevServer } from '../cli/dev-server';
import { migrate } from '../cli/commands/migrate';
import { devServerSearchAttributes } from '../workflow-safe/search-attributes';
import type { GovernanceResult } from '../workflows/governance';
import { DAY, generateDay } from './dag-events';
import { formatTimings, stepTimings, workersOf } from './step-timings';

// npm run bench:dag [-- --events N --files F --workers W --worker-heap MB --skip TASK --keep-db]
// The whole governance DAG against the floor Postgres sets, in one run: N access events of one
// day (bench/dag-events.ts: mostly compliant, consent for the consent-bound purposes, a trickle of
// violations) and their consent export are
//   1. loaded by `psql \copy` (the same rows, into the same tables, in a fresh database), then
//   2. governed by a whole `governanceRun` over the day, on a real Temporal dev server, by W real
//      worker processes (`govflow worker`) on one task queue, in another fresh database.
// Prints each DAG task's seconds (from the workflow's result, which the histories carry), where
// the activities' time went and which worker ran them, each worker's peak RSS (VmHWM), and last
// `dag/copy ratio: R` (the run's wall time over \copy's).

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    files: { type: 'string', default: '8' },
    workers: { type: 'string', default: '1' },
    'keep-db': { type: 'boolean', default: false },
    // The workers' V8 heap bound in MB (NODE_OPTIONS=--max-old-space-size, as the Dockerfile sets
    // 256); 0: Node's default, which lets the heap grow lazily while garbage accumulates.
    'worker-heap': { type: 'string', default: '0' },
    // A task left out of the run (e.g. --skip mask, to measure the rest while a step is reworked).
    skip: { type: 'string', multiple: true, default: [] },
  },
});
const N = Number(values.events);
const FILES = Number(values.files);
const WORKERS = Number(values.workers);
if (!Number.isInteger(N) || N < 1000) throw new Error('--events must be a whole number of at least 1000');
if (!Number.isInteger(FILES) || FILES < 1) throw new Error('--files must be a whole number of at least 1');
if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error('--workers must be a whole number of at least 1');
const WORKER_HEAP = Number(values['worker-heap']);
if (!Number.isInteger(WORKER_HEAP) || WORKER_HEAP < 0) throw new Error('--worker-heap must be a whole number of MB (0: Node\'s default)');
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const TASK_QUEUE = 'bench-dag';
const log = (s: string) => console.log(s);
const fmt = (n: number) => n.toLocaleString('en-US');
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Starts `govflow worker` as a process of its own; resolves once it polls. */
function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((res, rej) => {
    const heap = WORKER_HEAP ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${WORKER_HEAP}`.trim() } : {};
    const child = spawn(process.execPath, ['bin/govflow.mjs', 'worker'], { env: { ...process.env, ...env, ...heap }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('polling task queue')) res(child);
    });
    child.on('exit', (code) => rej(new Error(`worker exited ${code} before polling: ${out}`)));
  });
}

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'govflow-bench-dag-'));
  const stamp = `govflow_bench_dag_${Date.now()}`;
  const admin = new pg.Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  const dbs: string[] = [];
  const workers: ChildProcess[] = [];
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  try {
    log(`== ${fmt(N)} access events over ${DAY.start.slice(0, 10)} in ${FILES} files, ${WORKERS} worker(s)${WORKER_HEAP ? ` (heap ≤ ${WORKER_HEAP} MB)` : ''}: generating…`);
    const day = await generateDay(N, FILES, work);
    const mb = day.accessFiles.reduce((s, f) => s + statSync(f).size, 0) / 1e6;
    log(`   ${mb.toFixed(0)} MB of JSONL, ${fmt(day.consentCount)} consent records`);

    // Both databases from one migrated template, so neither pays for migrations in its figure.
    const template = `${stamp}_tpl`;
    await migrate(`${PG}/${template}`, () => {});
    dbs.push(template);
    const clone = async (name: string) => {
      await admin.query(`create database ${name} template ${template}`);
      dbs.push(name);
      return `${PG}/${name}`;
    };

    // 1. The floor: psql \copy of the same rows into the same tables.
    const copyDb = await clone(`${stamp}_copy`);
    const c = new pg.Client({ connectionString: copyDb });
    await c.connect();
    await c.query(`select govflow.ensure_access_partition('${DAY.start.slice(0, 10)}'::date)`);
    await c.end();
    const accessCols = 'source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose, outcome, source_ip, region, user_agent, file, position';
    const consentCols = 'source, event_id, subject_id, purpose, granted, occurred_at, evidence, file, position';
    const t0 = process.hrtime.bigint();
    const psql = spawnSync('psql', [
      copyDb, '-v', 'ON_ERROR_STOP=1', '-q',
      '-c', `\\copy govflow.access_events (${accessCols}) from '${day.copyAccess}' csv`,
      '-c', `\\copy govflow.consent_events (${consentCols}) from '${day.copyConsent}' csv`,
    ], { encoding: 'utf8' });
    const copySeconds = seconds(t0);
    if (psql.status !== 0) throw new Error(`psql \\copy failed: ${psql.stderr}`);
    log(`   psql \\copy              ${copySeconds.toFixed(2).padStart(8)} s  (${fmt(Math.round(N / copySeconds))} events/s)`);
    await admin.query(`drop database ${dbs.pop()} with (force)`); // --keep-db keeps the run's database only

    // 2. The whole DAG, by real worker processes.
    const databaseUrl = await clone(`${stamp}_run`);
    const configFile = join(work, 'govflow.yaml');
    writeFileSync(configFile, stringify({
      policy: resolve('policy.yaml'),
      sources: [
        { name: 'bench-access', kind: 'access', format: 'jsonl', path: join(work, 'access-*.jsonl') },
        { name: 'bench-consent', kind: 'consent', format: 'jsonl', path: day.consentFile },
      ],
    }));
    server = await startDevServer({ binary: await ensureTemporalCli(log), searchAttributes: devServerSearchAttributes() });
    const env = { DATABASE_URL: databaseUrl, GOVFLOW_CONFIG: configFile, TEMPORAL_ADDRESS: server.address, GOVFLOW_TASK_QUEUE: TASK_QUEUE };
    for (let w = 0; w < WORKERS; w++) workers.push(await startWorker(env));
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const workflowId = `bench-dag-${N}`;
    const t1 = process.hrtime.bigint();
    let result: GovernanceResult;
    try {
      result = await client.workflow.execute('governanceRun', { taskQueue: TASK_QUEUE, workflowId, args: [{ window: DAY, trigger: 'cli', ...(values.skip.length ? { skipTasks: values.skip } : {}) }] });
    } catch (err) {
      throw new Error(`the run failed: ${(err as Error).cause ? String((err as Error).cause) : (err as Error).message}`);
    }
    const runSeconds = seconds(t1);
    const peaks = workers.map((w) => peakRssMb(w.pid!));

    log(`   governanceRun           ${runSeconds.toFixed(2).padStart(8)} s  (${fmt(Math.round(N / runSeconds))} events/s)`);
    log('   per DAG task (seconds, from the run\'s history):');
    for (const [id, t] of Object.entries(result.tasks)) {
      log(`     ${id.padEnd(9)} ${((t.durationMs ?? 0) / 1000).toFixed(2).padStart(8)} s  ${t.state}`);
    }
    const k = result.kpis;
    log(`   kpis: ingested ${fmt(k.eventsIngested)}, in window ${fmt(k.eventsInWindow)}, rejected ${k.recordsRejected}, findings ${k.findings.total}, consent violations ${k.consentViolations}, masked ${fmt(k.maskedEvents)}`);
    log('   activities:');
    for (const line of formatTimings(await stepTimings(client, workflowId))) log(`     ${line}`);
    const byWorker = await workersOf(client, workflowId);
    for (const [identity, acts] of byWorker) log(`     worker ${identity}: ${[...acts].map(([a, n]) => `${a} ×${n}`).join(', ')}`);
    log(`   peak worker RSS: ${peaks.map((p) => `${p.toFixed(0)} MB`).join(', ')}`);
    await connection.close();
    if (values['keep-db']) log(`   database kept: ${databaseUrl}`);
    if (values.skip.length) log(`   (skipped: ${values.skip.join(', ')}: the ratio leaves them out)`);
    log(`dag/copy ratio: ${(runSeconds / copySeconds).toFixed(1)}`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await server?.stop();
    for (const db of values['keep-db'] ? dbs.filter((d) => d.endsWith('_tpl')) : dbs) await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
