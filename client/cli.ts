import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config-error';
import { loadEnv } from '../lib/config';
import { createDb, createPool } from '../lib/db';
import { connectClient } from './temporal-connection';
import { ensureTemporalCli, temporalCliVersion } from './temporal-binary';
import { migrate } from './commands/migrate';
import { startGovernanceRun, waitForRun } from './commands/run';
import { runStatus } from './commands/status';
import { dev } from './commands/dev';
import { formatRunSummary, formatTaskTable } from './format';
import { installRuntimeLogging, runWorker } from '../worker/run-worker';

const HELP = `govflow: user-data governance on Temporal and Postgres

Usage: govflow <command> [options]

Commands:
  dev                       start Temporal (dev server + UI), migrate, run a worker and a sample run
  worker                    run a worker on the governance task queue (Ctrl-C stops it gracefully)
  run [--from ISO --to ISO] start a governance run and wait for it (default window: the last full hour)
      [--json] [--id ID]      --json prints one JSON object; --id sets the workflow id
  status <workflowId>       print a run's task states [--json]
  migrate                   create the database if missing and apply migrations
  setup                     find or build the Temporal CLI and print its path

Options:
  --config FILE             govflow.yaml to use (default: $GOVFLOW_CONFIG or ./govflow.yaml)
  -h, --help                this text

Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GOVFLOW_TASK_QUEUE,
GOVFLOW_PSEUDONYM_KEY, TEMPORAL_UI_URL, TEMPORAL_CLI (see README.md).`;

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      id: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(HELP);
    return command || values.help ? 0 : 2;
  }
  if (values.config) process.env.GOVFLOW_CONFIG = values.config;

  switch (command) {
    case 'setup': {
      const binary = await ensureTemporalCli(err);
      out(binary);
      err(temporalCliVersion(binary));
      return 0;
    }
    case 'migrate':
      await migrate(loadEnv().databaseUrl, out);
      return 0;
    case 'worker':
      installRuntimeLogging();
      await runWorker({ log: out });
      return 0;
    case 'dev':
      installRuntimeLogging();
      await dev({ log: out });
      return 0;
    case 'run': {
      const env = loadEnv();
      const { client, connection } = await connectClient();
      try {
        const handle = await startGovernanceRun(client, { from: values.from, to: values.to, workflowId: values.id, taskQueue: env.taskQueue });
        if (!values.json) err(`started ${handle.workflowId} on task queue "${env.taskQueue}"`);
        const result = await waitForRun(handle, values.json ? undefined : err);
        out(values.json ? JSON.stringify(result, null, 2) : formatRunSummary(result));
        return result.status === 'completed' ? 0 : 1;
      } finally {
        await connection.close();
      }
    }
    case 'status': {
      const workflowId = rest[0];
      if (!workflowId) throw new UsageError('status needs a workflow id: govflow status <workflowId>');
      const env = loadEnv();
      const { client, connection } = await connectClient();
      const db = createDb(createPool(env.databaseUrl, 2));
      try {
        const s = await runStatus(client, db, workflowId);
        if (values.json) out(JSON.stringify(s, null, 2));
        else {
          out(`${workflowId}: ${s.temporalStatus} (task states from the ${s.source})`);
          if (s.dag) out(formatTaskTable(s.dag.tasks));
          else out('  no task states recorded yet');
        }
        return 0;
      } finally {
        await connection.close();
        await db.destroy();
      }
    }
    default:
      throw new UsageError(`unknown command "${command}"; see govflow --help`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError) err(`govflow: ${e.message}`);
    else if (e instanceof Error && /^(cannot reach|database .* has no govflow schema|The Temporal CLI)/.test(e.message)) err(`govflow: ${e.message}`);
    else err(`govflow: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
