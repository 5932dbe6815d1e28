import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../activities';
import { ensureTemporalCli } from '../temporal-binary';
import { startDevServer, temporalReachable, type DevServer } from '../dev-server';
import { connectClient, connectWorkerConnection, temporalTarget } from '../temporal-connection';
import { migrate } from './migrate';
import { startGovernanceRun, waitForRun } from './run';
import { exportReport } from './export-report';
import { formatRunSummary } from '../format';
import { openActivityDeps } from '../../worker/deps';
import { createGovflowWorker } from '../../worker/create-worker';
import { loadEnv } from '../../lib/config';
import { COMPLIANCE_REPORT } from '../../lib/report-kinds';
import { installRuntimeLogging } from '../../worker/run-worker';
import type { Command } from '../command';
import { startMailCatcher, type MailCatcher } from '../mail-catcher';
import { devServerSearchAttributes } from '../../lib/search-attributes';
import { registerSearchAttributes } from '../search-attributes';

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

export async function dev(opts: { configFile?: string; log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  const env = loadEnv();
  const { address, namespace } = temporalTarget();

  let server: DevServer | undefined;
  let uiUrl = env.temporalUiUrl;
  if (await temporalReachable(address)) {
    log(`govflow dev: using the Temporal server already answering at ${address}`);
    await registerSearchAttributes(address, namespace, log);
  } else {
    const binary = await ensureTemporalCli(log);
    const port = Number(address.split(':').pop());
    log(`govflow dev: starting temporal server start-dev on ${address} (state in data/temporal.db, log in data/temporal.log)`);
    server = await startDevServer({
      binary,
      port,
      uiPort: UI_PORT,
      dbFile: resolve(DATA_DIR, 'temporal.db'),
      logFile: resolve(DATA_DIR, 'temporal.log'),
      namespace,
      searchAttributes: devServerSearchAttributes(),
    });
    uiUrl = server.uiUrl ?? uiUrl;
  }

  await migrate(env.databaseUrl, log);
  const catcher = await startDevMailCatcher(log);
  const deps = await openActivityDeps(opts.configFile);
  const { connection } = await connectWorkerConnection();
  const worker = await createGovflowWorker({ connection, namespace, taskQueue: env.taskQueue, deps });
  const working = worker.run();
  log(`govflow dev: worker polling task queue "${env.taskQueue}"`);

  const { client, connection: clientConnection } = await connectClient();
  try {
    await sampleRun(client, deps, env.taskQueue, uiUrl, namespace, log);
    if (catcher) await reportCaughtMail(catcher, log);
  } catch (err) {
    // The worker and the UI stay up so the failure can be inspected there.
    log(`govflow dev: the sample run failed: ${(err as Error).message}`);
  }
  log('');
  log(`govflow dev: serving. Temporal UI at ${uiUrl}; start more runs with "npx govflow run" or from the UI. Ctrl-C to stop.`);
  if (catcher) log(`govflow dev: every email sent meanwhile (reports, alerts, escalations) lands in ${MAIL_DIR}/ as an .eml file.`);
  try {
    // The SDK turns SIGINT/SIGTERM into a graceful worker shutdown, which resolves `working`.
    await working;
  } finally {
    await clientConnection.close();
    await connection.close();
    await deps.db.destroy();
    await catcher?.close();
    if (server) {
      log('govflow dev: stopping the Temporal dev server');
      await server.stop();
    }
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
  async run({ out }) {
    installRuntimeLogging();
    await dev({ log: out });
    return 0;
  },
};
