import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createDb, createPool, type Db } from '../../db/pool';
import { loadConfig, loadEnv, type Env, type GovflowConfig } from '../../config/config';
import { pino } from 'pino';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { PinoTemporalLogger } from '../../observability/logger';
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
  /** Every JSON log line the in-process worker wrote so far (this test file's, down to DEBUG). */
  workerLog(): string;
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
const workerLines: string[] = [];
/**
 * The worker's logger as in production (pino JSON through the Temporal Runtime), kept in memory
 * down to DEBUG so leak tests can search it; only warnings and errors reach the test's stderr.
 */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  const sink = {
    write(line: string) {
      workerLines.push(line);
      if ((JSON.parse(line) as { level: number }).level >= 40) process.stderr.write(line);
    },
  };
  Runtime.install({ logger: new PinoTemporalLogger(pino({ level: 'debug' }, sink)) });
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
    workerLog: () => workerLines.join(''),
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await db.destroy();
    },
  };
}
