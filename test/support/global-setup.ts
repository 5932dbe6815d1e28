import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli } from '../../cli/temporal-binary';
import { startDevServer, type DevServer } from '../../cli/dev-server';
import { migrate } from '../../cli/commands/migrate';
import { WORKFLOWS_PATH } from '../../worker/create-worker';
import { ensurePostgres } from './ensure-postgres';
import { devServerSearchAttributes } from '../../workflow-safe/search-attributes';

// Real parts for the whole run: the Temporal dev server, a database of our own on the machine's
// Postgres, and the workflow bundle, built once. The Temporal CLI and Chromium are only looked
// for here: `npm test` builds/installs them before vitest starts (test/support/set-up.ts), with
// their own time rather than a hook's.

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundleCode: string;
  }
}

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export default async function setup(project: TestProject) {
  mkdirSync('test-artifacts', { recursive: true });
  await ensurePostgres(PG_BASE, (l) => console.log(l));
  const binary = requireTemporalCli();
  const server: DevServer = await startDevServer({
    binary,
    logFile: 'test-artifacts/temporal-dev-server.log',
    searchAttributes: devServerSearchAttributes(),
  });

  // A migrated template: each test file clones it into a database of its own in milliseconds.
  const dbName = `govflow_test_${Date.now()}_${process.pid}`;
  const databaseUrl = `${PG_BASE}/${dbName}`;
  let code: string;
  try {
    await migrate(databaseUrl, () => {});
    ({ code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }));
  } catch (err) {
    await server.stop();
    throw err;
  }

  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundleCode', code);

  return async () => {
    await server.stop();
    if (process.env.KEEP_TEST_DB) {
      console.log(`kept test database ${databaseUrl}`);
      return;
    }
    const client = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
    await client.connect();
    const { rows } = await client.query('select datname from pg_database where datname like $1', [`${dbName}%`]);
    for (const r of rows) await client.query(`drop database if exists ${pg.escapeIdentifier(r.datname)} with (force)`);
    await client.end();
  };
}

/** The Temporal CLI the set-up built or found; throws, saying what to run, when there is none. */
export function requireTemporalCli(): string {
  const binary = findTemporalCli();
  if (!binary) {
    throw new Error('the Temporal CLI is not built yet: run "npm test" or "node test/support/ensure-deps.mjs" once (it builds it, a few minutes)');
  }
  return binary;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};
