import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema';

export type Db = Kysely<DB>;

// bigint columns (counts) come back as strings by default; they stay below 2^53 here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * A pool that survives the server going away. When Postgres restarts, an idle connection's error
 * is emitted on the pool, and a checked-out connection's (a COPY between chunks) on its client;
 * either would end the process were nobody listening (node-postgres docs, "Pool: error event").
 * Heard here, the pool drops the dead connection and opens a new one when next asked; the step
 * whose query failed fails, and Temporal retries it. (Found by npm run chaos.)
 */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: 'govflow' });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Connects to the server's maintenance database and creates the target database if missing. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL ${redactUrl(databaseUrl)} names no database`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
  } catch (err) {
    // A refused or failed connection as it came (a code: ECONNREFUSED, or Postgres's SQLSTATE), for
    // the CLI to name it as every command does (cli/errors.ts: "… connection refused (is it
    // running?); start it or set DATABASE_URL"); anything else with the server it was for.
    if (typeof (err as { code?: unknown }).code === 'string') throw err;
    throw new Error(`cannot reach Postgres at ${redactUrl(databaseUrl)}: ${(err as Error).message}`);
  }
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
    return true;
  } catch (err) {
    // Another process may have created it between our check and our create.
    if ((err as { code?: string }).code === '42P04') return false;
    throw err;
  } finally {
    await client.end();
  }
}

/** A connection URL fit for logs: the password is never printed. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
