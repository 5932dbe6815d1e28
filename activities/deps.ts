import type pg from 'pg';
import type { Db } from '../lib/db';
import type { Env, GovflowConfig } from '../lib/config';

/** What the worker hands every activity: connections and validated configuration. */
export interface ActivityDeps {
  pool: pg.Pool;
  db: Db;
  config: GovflowConfig;
  env: Env;
}
