import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../activities';
import { ensureTemporalCli } from '../temporal-binary';
import { startDevServer, temporalReachable, type DevServer } from '../dev-server';
import { connectClient, connectWorkerConnection, temporalTarget } from '../../temporal/connection';
import { migrate } from './migrate';
import { startGovernanceRun, waitForRun } from './run';
import { exportReport } from './export-report';
import { formatRunSummary } from '../format';
import { openActivityDeps } from '../../worker/deps';
import { createGovflowWorker } from '../../worker/create-worker';
import { loadEnv } from '../../config/config';
import { errorContext, explainError } from '../errors';
import { COMPLIANCE_REPORT } from '../../reporting/report-kinds';
import { installRuntimeLogging } from '../../worker/run-worker';
import type { Command } from '../command';
import { startMailCatcher, type MailCatcher } from '../mail-catcher';
import { devServerSearchAttributes } from '../../workflow-safe/search-attributes';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { ensureDsrSchedule } from '../../temporal/dsr-schedule';

// `npm start` / `govflow dev`: everything on one machine. The Temporal dev server (SQLite file and
// Web UI), the schema, a worker, and one governance run over the bundled sample data; then it keeps
// serving so the UI and the worker stay up for more runs, until Ctrl-C.

/** The hour the files in examples/ describe. */
export const SAMPLE_WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };

const DATA_DIR = resolve('data');
const UI_PORT = 8233;
const MAIL_DIR = resolve(DATA_DIR, 'mail');
const MAIL_PORT = 2525;

/**
 * Without SMTP_URL, the demo's emails go to a local catcher that saves each as an .eml file
 * (any mail client opens them). With SMTP_URL set, mail goes there and no catcher starts.
 */
async function startDevMailCatcher(log: (line: string) => void): Promise<MailCatcher | undefined> {
  if (process.env.SMTP_URL) {
    log('govflow dev: sending email through SMTP_URL');
    return undefined;
  }
  let catcher: MailCatcher;
  try {
    catcher = await startMailCatcher({ port: MAIL_PORT, dir: MAIL_DIR });
  } catch {
    catcher = await startMailCatcher({ port: 0, dir: MAIL_DIR }); // 2525 is taken: any free port
  }
  process.env.SMTP_URL = catcher.url;
  log(`govflow dev: mail catcher at ${catcher.url}: emails are saved under ${MAIL_DIR}/ as .eml files`);
  return catcher;
}

async function reportCaughtMail(catcher: MailCatcher, log: (line: string) => void): Promise<void> {
  // The first-line alert email is sent by the alert's escalation workflow, just after the run.
  const deadline = Date.now() + 5000;
  while (catcher.messages.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const m of catcher.messages) log(`  Email:       ${m.file} (to ${m.to.join(', ')})`);
}

/** How long `govflow dev` waits for the dev server it started to answer: a first start on a busy machine creates the SQLite file. */
const DEV_SERVER_STARTUP_MS = 120_000;

/**
 * `govflow dev` could not start, or stopped with an error. Everything it had started was stopped
 * first; `message` is the cause in one line.
 */
export class DevFailure extends Error {
  constructor(
    message: string,
    /** 1, or 128 + the signal number when a signal stopped the start. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Things `dev` started, stopped in reverse order, each once, whatever fails on the way. */
class Started {
  private readonly parts: Array<{ name: string; stop: () => Promise<void> }> = [];
  private stopping?: Promise<void>;
  constructor(private readonly log: (line: string) => void) {}

  add(name: string, stop: () => Promise<void>): void {
    this.parts.push({ name, stop });
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const part of this.parts.reverse()) {
        try {
          await part.stop();
        } catch (err) {
          this.log(`govflow dev: could not stop the ${part.name}: ${oneLine(err)}`);
        }
      }
    })();
    return this.stopping;
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * Why the start failed, on one line: as every other command says it (cli/errors.ts, e.g. "cannot
 * reach Postgres at 127.0.0.1:5432: connection refused (is it running?); start it or set
 * DATABASE_URL") when the cause is a known kind, else the error's own message.
 */
function startFailure(err: unknown): string {
  const explained = explainError(err, errorContext());
  return oneLine(explained.known ? explained.message : err);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT: Record<(typeof SIGNALS)[number], number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Starts what is missing (Temporal dev server, mail catcher, worker), runs the sample window and
 * serves until a signal. Throws {@link DevFailure} (after stopping everything it started) when a
 * part cannot start or the worker stops with an error, or a signal arrives before the worker
 * serves (then with exit code 128 + the signal number).
 */
export async function dev(opts: { configFile?: string; log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  const started = new Started(log);
  let worker: Awaited<ReturnType<typeof createGovflowWorker>> | undefined;
  let serving = false;
  // The Temporal SDK turns SIGINT/SIGTERM into a graceful worker shutdown only once a worker
  // runs; before that (CLI build, dev server start-up, migration) a signal must stop what was
  // started so far, or the dev server would outlive us.
  const abort = new AbortController();
  let stoppedBy: (typeof SIGNALS)[number] | undefined;
  const onSignal = (signal: (typeof SIGNALS)[number]) => {
    if (serving && worker) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      return;
    }
    if (stoppedBy) return;
    stoppedBy = signal;
    log(`govflow dev: ${signal} received while starting: stopping what was started`);
    abort.abort(new Error(`stopped by ${signal} while starting`));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason)));
  aborted.catch(() => {}); // only awaited through step()
  /** A start-up step, given up (not awaited further) when a signal arrives. */
  const step = <T>(work: Promise<T>): Promise<T> => Promise.race([work, aborted]);

  try {
    const env = loadEnv();
    let { address } = temporalTarget();
    const { namespace } = temporalTarget();
    let uiUrl = env.temporalUiUrl;
    if (await temporalReachable(address)) {
      log(`govflow dev: using the Temporal server already answering at ${address}`);
      await registerSearchAttributes(address, namespace, log);
    } else {
      const binary = await step(ensureTemporalCli(log));
      const port = Number(address.split(':').pop());
      const logFile = resolve(DATA_DIR, 'temporal.log');
      log(`govflow dev: starting temporal server start-dev on port ${port} (state in data/temporal.db, log in data/temporal.log)`);
      log(`govflow dev: waiting up to ${DEV_SERVER_STARTUP_MS / 1000} s for it to answer on 127.0.0.1:${port}…`);
      // Not raced by step(): it stops its own process when aborted, and must, before we exit.
      const server: DevServer = await startDevServer({
        binary,
        port,
        // Temporal's own convention: the UI on the frontend port + 1000 (7233 → 8233).
        uiPort: port + 1000,
        dbFile: resolve(DATA_DIR, 'temporal.db'),
        logFile,
        namespace,
        searchAttributes: devServerSearchAttributes(),
        startupTimeoutMs: DEV_SERVER_STARTUP_MS,
        signal: abort.signal,
      });
      started.add('Temporal dev server', async () => {
        log('govflow dev: stopping the Temporal dev server');
        await server.stop();
      });
      // Talk to the very address that answered.
      address = server.address;
      uiUrl = server.uiUrl ?? uiUrl;
      log(`govflow dev: Temporal dev server answering on ${address}, UI at ${uiUrl}`);
    }

    await step(migrate(env.databaseUrl, log));
    const catcher = await step(startDevMailCatcher(log));
    if (catcher) started.add('mail catcher', () => catcher.close());
    const deps = await step(openActivityDeps(opts.configFile));
    started.add('database pool', () => deps.db.destroy());
    const { connection } = await step(connectWorkerConnection(address));
    started.add('worker connection', () => connection.close());
    worker = await step(createGovflowWorker({ connection, namespace, taskQueue: env.taskQueue, deps }));
    const running = worker;
    // run() settles when the worker has stopped: by shutdown() (a signal, or a failure below),
    // or by an error of its own.
    const working = running.run();
    started.add('worker', async () => {
      if (running.getState() === 'RUNNING') running.shutdown();
      await working.catch(() => {});
    });
    log(`govflow dev: worker polling task queue "${env.taskQueue}"`);

    const { client, connection: clientConnection } = await step(connectClient(address));
    started.add('client connection', () => clientConnection.close());
    await ensureDsrSchedule(client, env.taskQueue);
    serving = true;
    try {
      // A worker that stops (Ctrl-C meanwhile) ends the wait for the sample run too.
      const stopped = working.then(() => {
        throw new Error('the worker stopped');
      });
      await Promise.race([sampleRun(client, deps, env.taskQueue, uiUrl, namespace, log), stopped]);
      if (catcher) await reportCaughtMail(catcher, log);
    } catch (err) {
      // A run that failed is not a start-up failure: the worker and the UI stay up so the failure
      // can be inspected there.
      log(`govflow dev: the sample run failed: ${oneLine(err)}`);
    }
    if (running.getState() === 'RUNNING') {
      log('');
      log(`govflow dev: serving. Temporal UI at ${uiUrl}; start more runs with "npx govflow run" or from the UI. Ctrl-C to stop.`);
      if (catcher) log(`govflow dev: every email sent meanwhile (reports, alerts, escalations) lands in ${MAIL_DIR}/ as an .eml file.`);
    }
    // Resolves on a graceful shutdown (signal); rejects when the worker fails.
    await working;
  } catch (err) {
    await started.stopAll();
    throw new DevFailure(startFailure(err), stoppedBy ? SIGNAL_EXIT[stoppedBy] : 1);
  } finally {
    await started.stopAll();
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

async function sampleRun(
  client: Client,
  deps: ActivityDeps,
  taskQueue: string,
  uiUrl: string,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  log(`govflow dev: governance run over the sample window ${SAMPLE_WINDOW.start} → ${SAMPLE_WINDOW.end}`);
  const handle = await startGovernanceRun(client, { from: SAMPLE_WINDOW.start, to: SAMPLE_WINDOW.end, taskQueue });
  const result = await waitForRun(handle, log, client.workflow);
  const runUrl = `${uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(result.workflowId)}`;
  log('');
  log(formatRunSummary(result, runUrl));
  const report = await exportReport(deps.db, COMPLIANCE_REPORT, result.window, resolve(DATA_DIR, 'reports'));
  if (report) log(`  Report:      ${report}`);
}

export const devCommand: Command = {
  name: 'dev',
  usage: 'dev',
  summary: 'start Temporal (dev server + UI), migrate, run a worker and a sample run; serve until Ctrl-C',
  usesDatabase: true,
  async run({ out, err }) {
    installRuntimeLogging();
    try {
      await dev({ log: out });
      return 0;
    } catch (e) {
      if (!(e instanceof DevFailure)) throw e;
      err(`govflow dev: ${e.message}`);
      return e.exitCode;
    }
  },
};
