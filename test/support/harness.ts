import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createDb, createPool, type Db } from '../../db/pool';
import { loadConfig, loadEnv, type Env, type GovflowConfig } from '../../config/config';
import { createGovflowWorker } from '../../worker/create-worker';

// One test file's world: its own database (cloned from the migrated template), its own task
// queue, a real worker on the shared dev server, and a client.

export interface Harness {
  db: Db;
  pool: pg.Pool;
  client: Client;
  env: Env;
  config: GovflowConfig;
  taskQueue: string;
  databaseUrl: string;
  temporalAddress: string;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function cloneTestDatabase(): Promise<string> {
  const template = new URL(inject('databaseUrl'));
  const templateName = template.pathname.slice(1);
  const name = `${templateName}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: new URL('/postgres', template).toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(templateName)}`);
  } finally {
    await admin.end();
  }
  return new URL(`/${name}`, template).toString();
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO; tests want only warnings and errors. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export async function startHarness(
  opts: {
    configFile?: string;
    env?: NodeJS.ProcessEnv;
    /** Another Temporal than the shared dev server (e.g. one serving the Web UI). */
    temporalAddress?: string;
    /** A fixed task queue instead of a random one (only on a Temporal of the test's own). */
    taskQueue?: string;
  } = {},
): Promise<Harness> {
  quietRuntime();
  const databaseUrl = await cloneTestDatabase();
  const temporalAddress = opts.temporalAddress ?? inject('temporalAddress');
  const taskQueue = opts.taskQueue ?? `governance-test-${randomBytes(4).toString('hex')}`;
  const env: Env = { ...loadEnv({ ...opts.env, DATABASE_URL: databaseUrl }), taskQueue };
  const config = loadConfig(opts.configFile ?? 'govflow.yaml');
  const pool = createPool(databaseUrl, 5);
  const db = createDb(pool);

  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker: Worker = await createGovflowWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: { pool, db, config, env },
    workflowBundle: { code: inject('workflowBundleCode') },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });

  return {
    db,
    pool,
    client,
    env,
    config,
    taskQueue,
    databaseUrl,
    temporalAddress,
    async sql(text, params = []) {
      return (await pool.query(text, params)).rows;
    },
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await db.destroy();
    },
  };
}
