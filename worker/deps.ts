import { sql } from 'kysely';
import { createDb, createPool, redactUrl } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import type { ActivityDeps } from '../activities';

/**
 * Loads and validates everything a worker needs before it polls: a bad config or policy, or a
 * database without govflow's schema, stops it here with a message that says what to fix.
 */
export async function openActivityDeps(configFile?: string): Promise<ActivityDeps> {
  const env = loadEnv();
  const config = loadConfig(configFile);
  const pool = createPool(env.databaseUrl);
  const db = createDb(pool);
  try {
    const { rows } = await sql<{ ok: boolean }>`select to_regclass('govflow.runs') is not null as ok`.execute(db);
    if (!rows[0]?.ok) throw new Error(`database ${redactUrl(env.databaseUrl)} has no govflow schema: run "govflow migrate" first`);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { pool, db, config, env };
}
