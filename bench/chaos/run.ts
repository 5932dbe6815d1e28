// The chaos harness: does a governance run survive the faults operators see, losing nothing and
// sending nothing twice?
//
//   npm run chaos [-- --events N --seed S --trials K --scenarios a,b --outage SECONDS]
//
// It builds a world of its own in a scratch directory: a PostgreSQL cluster (initdb/pg_ctl on a
// free port), a Temporal dev server with a persistent database file, a real SMTP server and a
// webhook receiver on loopback, and `govflow worker` as a child process. It generates N access
// events (bench/generate-events.ts), runs the clean run twice (the columns that differ between two
// clean runs are left out of comparisons and printed), then per scenario and trial, at a point
// chosen by the seeded random generator, injects the fault and, once the run has finished,
// compares every govflow table (row count + md5 of its rows) with the clean run, and counts the
// e-mails received per Message-ID and the webhooks accepted. Prints a table and the seed.
// Not part of `npm test`. Figures: RELIABILITY.md.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, startDevServer, type DevServer } from '../../cli/dev-server';
import { findTemporalCli } from '../../cli/temporal-binary';
import { migrate } from '../../cli/commands/migrate';
import { devServerSearchAttributes } from '../../workflow-safe/search-attributes';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { generate } from '../generate-events';
import { createCluster, type PgCluster } from './postgres-cluster';
import { FlakySmtp, FlakyWebhook } from './fault-servers';
import { columnDigests, differences, sequenceColumns, snapshot, volatileColumns, type Snapshot } from './snapshot';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    trials: { type: 'string' },
    scenarios: { type: 'string' },
    outage: { type: 'string', default: '60' },
    keep: { type: 'boolean', default: false },
  },
});

const EVENTS = Number(args.events);
const SEED = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const OUTAGE_MS = Number(args.outage) * 1000;
const WINDOW = { start: '2026-10-01T00:00:00Z', end: '2026-10-08T00:00:00Z' }; // generate-events' week
const WORKFLOW_ID = 'chaos-governance-run';
const TASK_QUEUE = 'chaos';
const RUN_TIMEOUT_MS = 30 * 60_000;
/** The governance DAG's steps (workflows/governance.ts): where a process fault may land. */
const STEPS = ['ingest', 'audit', 'consent', 'mask', 'report', 'email', 'alert'];

/** mulberry32: a small seeded generator, so a seed replays the same fault points. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** `govflow worker` as a child process, restarted (and counted) when it dies unbidden. */
class WorkerProcess {
  private child?: ChildProcess;
  private wanted = false;
  crashes = 0;
  output = '';
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    this.wanted = true;
    const child = spawn(process.execPath, ['bin/govflow.mjs', 'worker'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      this.output = (this.output + d).slice(-20_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => {
      if (this.child !== child || !this.wanted) return;
      // Died by itself (not killed by the harness): a supervisor (systemd, Kubernetes) restarts it.
      this.crashes++;
      log(`worker exited by itself (${this.crashes}); restarting it in 1 s. Last output: ${out.trim().split('\n').slice(-12).join(' | ').slice(0, 1500)}`);
      setTimeout(() => void this.start(), 1000);
    });
    const deadline = Date.now() + 180_000;
    while (!out.includes('polling task queue')) {
      if (child.exitCode !== null) return; // the exit handler restarts it
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${out}`);
      await sleep(100);
    }
  }

  /** SIGKILL: no shutdown, no draining, as when a node dies. */
  kill(): void {
    const c = this.child;
    this.child = undefined;
    c?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.wanted = false;
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.on('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000).then(() => c.kill('SIGKILL'))]);
  }
}

interface World {
  dir: string;
  pg: PgCluster;
  temporalBinary: string;
  temporalPort: number;
  temporalDb: string;
  temporal: DevServer;
  smtp: FlakySmtp;
  webhook: FlakyWebhook;
  configFile: string;
}

interface TrialResult {
  url: string;
  status: string;
  runId: string;
  durationMs: number;
  snapshot: Snapshot;
  emailsPerMessage: number[];
  webhooks: number;
  crashes: number;
  note: string;
  /** The steps Temporal ran more than once, as task×attempts ('' when none). */
  retried: string;
}

interface Scenario {
  name: string;
  trials: number;
  /** The outage starts with the run, so it covers the e-mail and alert steps whatever the run's speed. */
  fromStart?: boolean;
  /** Injects the fault `atMs` after the run started; resolves when the fault is over. */
  inject(w: World, worker: WorkerProcess): Promise<string>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'worker SIGKILL',
    trials: 10,
    async inject(_w, worker) {
      worker.kill();
      const delay = between(500, 5000);
      await sleep(delay);
      await worker.start();
      return `restart after ${(delay / 1000).toFixed(1)} s`;
    },
  },
  {
    name: 'PostgreSQL restart',
    trials: 5,
    async inject(w) {
      w.pg.stop('immediate');
      const delay = between(1000, 5000);
      await sleep(delay);
      w.pg.start();
      return `down ${(delay / 1000).toFixed(1)} s`;
    },
  },
  {
    name: 'Temporal restart',
    trials: 3,
    async inject(w) {
      await w.temporal.stop();
      const delay = between(1000, 5000);
      await sleep(delay);
      w.temporal = await startTemporal(w);
      return `down ${(delay / 1000).toFixed(1)} s`;
    },
  },
  {
    name: 'SMTP refusing',
    trials: 3,
    fromStart: true,
    async inject(w) {
      await w.smtp.down();
      await sleep(OUTAGE_MS);
      await w.smtp.up();
      return `refused ${OUTAGE_MS / 1000} s`;
    },
  },
  {
    name: 'webhook 500s',
    trials: 3,
    fromStart: true,
    async inject(w) {
      w.webhook.failing = true;
      await sleep(OUTAGE_MS);
      w.webhook.failing = false;
      return `500s for ${OUTAGE_MS / 1000} s (${w.webhook.refused} refused)`;
    },
  },
];

function startTemporal(w: Pick<World, 'temporalBinary' | 'temporalPort' | 'temporalDb' | 'dir'>): Promise<DevServer> {
  return startDevServer({
    binary: w.temporalBinary,
    port: w.temporalPort,
    dbFile: w.temporalDb,
    logFile: join(w.dir, 'temporal.log'),
    searchAttributes: devServerSearchAttributes(),
    startupTimeoutMs: 120_000,
  });
}

async function temporalClient(w: World): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: `127.0.0.1:${w.temporalPort}` });
  return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}

/** Retries `fn` through a Temporal or network outage (the harness's own client must survive it too). */
async function persist<T>(what: string, fn: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(1000);
    }
  }
}

async function adminQuery(w: World, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${w.pg.url}/postgres` });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * Waits until `step` of the run is running (its task_runs row says so), then a random 0–500 ms;
 * resolves with what was running then. A step that finished before it was seen running (a fast
 * one) counts as reached: the fault then lands in a later step, which the answer names.
 */
async function whenStepRuns(url: string, step: string, deadline: number): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    for (;;) {
      const { rows } = await db.query(`select task, state from govflow.task_runs where workflow_id = $1`, [WORKFLOW_ID]);
      const mine = rows.find((r) => r.task === step);
      if (mine && mine.state !== 'pending') {
        await sleep(between(0, 500));
        const { rows: now } = await db.query(`select string_agg(task, '+' order by task) as t from govflow.task_runs where workflow_id = $1 and state = 'running'`, [WORKFLOW_ID]);
        return now[0]?.t ? `${now[0].t} running` : 'after the steps';
      }
      if (Date.now() > deadline) return 'timeout';
      await sleep(50);
    }
  } finally {
    await db.end();
  }
}

/** The steps of the run that took more than one attempt: where a fault (or a heartbeat timeout) hit. */
async function stepsRetried(url: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query(`select task, attempts from govflow.task_runs where workflow_id = $1 and attempts > 1 order by task`, [WORKFLOW_ID]);
    return rows.map((r) => `${r.task}×${r.attempts}`).join(', ');
  } finally {
    await db.end();
  }
}

/** The steps' counts (task_runs.counts) that differ between two runs' databases: "task.count a→b". */
async function countsThatDiffer(cleanUrl: string, trialUrl: string): Promise<string> {
  const read = async (url: string) => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query(`select task, counts from govflow.task_runs where workflow_id = $1`, [WORKFLOW_ID]);
      return new Map(rows.map((r) => [String(r.task), (r.counts ?? {}) as Record<string, unknown>]));
    } finally {
      await db.end();
    }
  };
  const [a, b] = [await read(cleanUrl), await read(trialUrl)];
  const out: string[] = [];
  for (const [task, ca] of a) {
    const cb = b.get(task) ?? {};
    for (const k of new Set([...Object.keys(ca), ...Object.keys(cb)])) if (JSON.stringify(ca[k]) !== JSON.stringify(cb[k])) out.push(`${task}.${k} ${JSON.stringify(ca[k])}→${JSON.stringify(cb[k])}`);
  }
  return out.join(', ') || 'none';
}

/** Ends every workflow still open (alert escalations wait for an acknowledgement), so the next trial starts clean. */
async function terminateOpen(w: World): Promise<void> {
  const { client, close } = await temporalClient(w);
  try {
    for await (const wf of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('chaos trial over').catch(() => {});
    }
  } finally {
    await close();
  }
}

/** One run on a fresh database; `fault` (if any) is injected `faultAtMs` after the start. */
async function trial(w: World, name: string, fault?: { scenario: Scenario; atMs: number; step?: string }, expected?: { emails: number; webhooks: number }): Promise<TrialResult> {
  const db = `chaos_${name.replace(/\W+/g, '_').toLowerCase()}`;
  await adminQuery(w, `drop database if exists ${db} with (force)`);
  await adminQuery(w, `create database ${db} template chaos_template`);
  const url = `${w.pg.url}/${db}`;
  w.smtp.reset();
  w.webhook.reset();
  const worker = new WorkerProcess({
    ...process.env,
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: `127.0.0.1:${w.temporalPort}`,
    GOVFLOW_CONFIG: w.configFile,
    GOVFLOW_TASK_QUEUE: TASK_QUEUE,
    SMTP_URL: w.smtp.url,
    GOVFLOW_ALERT_WEBHOOK_URL: w.webhook.url,
    GOVFLOW_PSEUDONYM_KEY: 'chaos-pseudonym-key-chaos-pseudonym-key',
    GOVFLOW_VAULT_KEY: 'chaos-vault-key-chaos-vault-key-chaos-vault',
    GOVFLOW_LOG_LEVEL: 'WARN',
    GOVFLOW_LOG_FORMAT: 'json',
  });
  await worker.start();
  const started = Date.now();
  const deadline = started + RUN_TIMEOUT_MS;
  let note = '';
  try {
    const { client, close } = await temporalClient(w);
    const handle = await client.workflow.start('governanceRun', { taskQueue: TASK_QUEUE, workflowId: WORKFLOW_ID, args: [{ window: WINDOW }] });
    await close();
    const runId = handle.firstExecutionRunId;
    const injected = fault
      ? (fault.step ? whenStepRuns(url, fault.step, deadline) : sleep(fault.atMs).then(() => 'start')).then(async (at) => {
          log(`  injecting ${fault.scenario.name} at +${((Date.now() - started) / 1000).toFixed(1)} s (${at})`);
          note = `${await fault.scenario.inject(w, worker)}; during ${at}`;
        })
      : Promise.resolve();
    // The result is awaited with a client of its own per attempt: a Temporal restart breaks the connection.
    const result = await persist('run result', async () => {
      const { client: c, close: cl } = await temporalClient(w);
      try {
        return (await c.workflow.getHandle(WORKFLOW_ID, runId).result()) as { status: string };
      } catch (err) {
        // A failed run is an answer, not an outage to wait out.
        if (err instanceof WorkflowFailedError) return { status: `failed (${(err.cause?.message ?? err.message).split('\n')[0]!.slice(0, 120)})` };
        throw err;
      } finally {
        await cl();
      }
    }, deadline);
    const durationMs = Date.now() - started;
    await injected;
    // Deliveries may still be retrying (an outage that outlasted the run): wait for as many as the clean run had.
    if (expected) {
      const settle = Date.now() + OUTAGE_MS + 120_000;
      while (Date.now() < settle && (w.smtp.perMessageId().size < expected.emails || w.webhook.accepted.length < expected.webhooks)) await sleep(500);
    } else {
      await sleep(5000);
    }
    const retried = await persist('steps retried', () => stepsRetried(url), Date.now() + 60_000);
    await terminateOpen(w);
    await worker.stop();
    return {
      retried,
      url,
      status: result.status,
      runId,
      durationMs,
      snapshot: {},
      emailsPerMessage: [...w.smtp.perMessageId().values()],
      webhooks: w.webhook.accepted.length,
      crashes: worker.crashes,
      note,
    };
  } catch (err) {
    await worker.stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const temporalBinary = findTemporalCli();
  if (!temporalBinary) throw new Error('no Temporal CLI: run "node test/support/ensure-deps.mjs" once (it builds it)');
  const dir = mkdtempSync(join(tmpdir(), 'govflow-chaos-'));
  chmodSync(dir, 0o755); // the cluster runs as the postgres user
  log(`seed ${SEED}; ${EVENTS} events; scratch ${dir}`);

  const eventsFile = join(dir, 'events.jsonl');
  await generate(EVENTS, { jsonl: eventsFile, csv: join(dir, 'events.csv'), copyCsv: join(dir, 'copy.csv'), copySource: 'chaos' });
  const repo = resolve('.');
  const configFile = join(dir, 'govflow.yaml');
  writeFileSync(configFile, [
    `policy: ${join(repo, 'policy.yaml')}`,
    'sources:',
    `  - {name: platform-access, kind: access, format: jsonl, path: ${eventsFile}}`,
    `  - {name: sample-consent, kind: consent, format: jsonl, path: ${join(repo, 'examples/consent-export.jsonl')}}`,
    `  - {name: sample-audit, kind: audit, format: jsonl, path: ${join(repo, 'examples/audit-trail.jsonl')}}`,
  ].join('\n') + '\n');

  const pgCluster = createCluster(join(dir, 'pg'), await freePort());
  const temporalPort = await freePort();
  const temporalDb = join(dir, 'temporal.db');
  const partial = { dir, temporalBinary, temporalPort, temporalDb };
  const w: World = {
    ...partial,
    pg: pgCluster,
    temporal: await startTemporal(partial),
    smtp: await FlakySmtp.start(await freePort()),
    webhook: await FlakyWebhook.start(await freePort()),
    configFile,
  };
  try {
    await adminQuery(w, 'create database chaos_template');
    await migrate(`${w.pg.url}/chaos_template`, () => {});

    log('clean run 1 of 2');
    const clean1 = await trial(w, 'clean1');
    const digests1 = await columnDigests(clean1.url);
    log(`  ${clean1.status} in ${(clean1.durationMs / 1000).toFixed(1)} s; ${clean1.emailsPerMessage.length} e-mails, ${clean1.webhooks} webhooks; steps retried: ${clean1.retried || 'none'}`);
    log('clean run 2 of 2');
    const clean2 = await trial(w, 'clean2');
    log(`  ${clean2.status} in ${(clean2.durationMs / 1000).toFixed(1)} s; steps retried: ${clean2.retried || 'none'}`);
    // A retried step records its attempt number (the run ledger doing its job) and shifts sequence
    // ids (snapshot.ts): neither is a difference in the data.
    const volatile = [...new Set([...volatileColumns(digests1, await columnDigests(clean2.url)), 'task_runs.attempts', ...(await sequenceColumns(clean1.url))])].sort();
    log(`  left out of comparisons (they differ between two clean runs): ${volatile.join(', ') || 'none'}`);
    const reference = await snapshot(clean1.url, volatile, clean1.runId);
    const again = differences(reference, await snapshot(clean2.url, volatile, clean2.runId));
    if (again.length) throw new Error(`two clean runs differ beyond the volatile columns: ${again.join(', ')}`);
    const cleanMs = (clean1.durationMs + clean2.durationMs) / 2;
    const expected = { emails: clean1.emailsPerMessage.length, webhooks: clean1.webhooks };

    const chosen = args.scenarios ? args.scenarios.split(',').map((s) => s.trim().toLowerCase()) : undefined;
    const rows: string[][] = [];
    for (const scenario of SCENARIOS) {
      if (chosen && !chosen.some((c) => scenario.name.toLowerCase().startsWith(c))) continue;
      const n = args.trials ? Number(args.trials) : scenario.trials;
      let identical = 0;
      const perReport: number[] = [];
      const recover: number[] = [];
      const problems: string[] = [];
      let crashes = 0;
      for (let i = 1; i <= n; i++) {
        // A process fault lands in a random step of the DAG (plus 0–500 ms); an outage of a
        // receiver starts with the run (within its first second), so it covers the delivery steps.
        const atMs = between(0, 1000);
        const step = scenario.fromStart ? undefined : STEPS[Math.floor(random() * STEPS.length)];
        log(`${scenario.name}, trial ${i}/${n}`);
        try {
          const r = await trial(w, `t_${scenario.name}_${i}`, { scenario, atMs, step }, expected);
          const snap = await snapshot(r.url, volatile, r.runId);
          const diff = differences(reference, snap);
          if (diff.length) {
            // Name the columns that differ, to tell a lost row from a retry's bookkeeping.
            const cols = volatileColumns(digests1, await columnDigests(r.url)).filter((c) => !volatile.includes(c));
            log(`  columns that differ from the clean run: ${cols.join(', ')}`);
            if (cols.includes('task_runs.counts')) log(`  step counts that differ (clean → trial): ${await countsThatDiffer(clean1.url, r.url)}`);
          }
          const sameDeliveries = r.emailsPerMessage.length === expected.emails && r.emailsPerMessage.every((n) => n === 1) && r.webhooks === expected.webhooks;
          if (r.status === 'completed' && diff.length === 0 && sameDeliveries) identical++;
          else problems.push(`trial ${i}: status ${r.status}; ${diff.join(', ') || 'tables identical'}; ${r.emailsPerMessage.length}/${expected.emails} e-mails (per Message-ID ${JSON.stringify(r.emailsPerMessage)}), ${r.webhooks}/${expected.webhooks} webhooks`);
          perReport.push(...r.emailsPerMessage);
          recover.push(r.durationMs - cleanMs);
          crashes += r.crashes;
          log(`  ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s (${r.note}); tables ${diff.length ? `differ: ${diff.join(', ')}` : 'identical'}; e-mails per Message-ID ${JSON.stringify(r.emailsPerMessage)}; webhooks ${r.webhooks}; worker crashes ${r.crashes}; steps retried: ${r.retried || 'none'}`);
        } catch (err) {
          problems.push(`trial ${i}: ${(err as Error).message}`);
          log(`  failed: ${(err as Error).message}`);
          await terminateOpen(w).catch(() => {});
        }
      }
      const range = (xs: number[]) => (xs.length ? `${Math.min(...xs)}–${Math.max(...xs)}` : '–');
      const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      rows.push([
        scenario.name,
        String(n),
        `${identical}/${n}`,
        perReport.length ? (Math.min(...perReport) === Math.max(...perReport) ? String(perReport[0]) : range(perReport)) : '–',
        recover.length ? `${secs(recover.reduce((a, b) => a + b, 0) / recover.length)} / ${secs(Math.max(...recover))}` : '–',
        String(crashes),
      ]);
      for (const p of problems) log(`  ${scenario.name}: ${p}`);
    }

    const header = ['scenario', 'trials', 'identical', 'e-mails per report', 'extra time to finish (mean / max)', 'worker crashes'];
    console.log('');
    console.log(`seed ${SEED}, ${EVENTS} events, clean run ${(cleanMs / 1000).toFixed(1)} s, outage ${OUTAGE_MS / 1000} s, ${expected.emails} e-mails and ${expected.webhooks} webhooks per clean run`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(`columns left out of comparisons: ${volatile.join(', ') || 'none'}`);
  } finally {
    await w.temporal.stop().catch(() => {});
    await w.smtp.down().catch(() => {});
    await w.webhook.close().catch(() => {});
    try {
      w.pg.stop('fast');
    } catch {
      // already stopped
    }
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
