import type pg from 'pg';
import type { Db } from '../db/pool';
import type { ConfigIdentity, Env, GovflowConfig } from './config';
import type { RunRef } from '../workflow-safe/run-ref';

/** What the worker hands every activity: connections and validated configuration. */
export interface ActivityDeps {
  pool: pg.Pool;
  db: Db;
  /** The config (and policy) these activities were built with; see `configs` for reloads. */
  config: GovflowConfig;
  env: Env;
  /**
   * Set by the worker (worker/live-config.ts): re-reads config and policy at each run's start.
   * Absent (benches, unit tests): the run uses `config` as it is.
   */
  configs?: RunConfigs;
}

/** The worker's view of its config files over time. */
export interface RunConfigs {
  /**
   * Called when a run starts: reloads config and policy if either file changed on disk since it
   * was read, binds the run's later steps to the result, and returns it. Throws a non-retryable
   * ApplicationFailure ('ConfigError') when a changed file is now invalid or unreadable, and
   * ('ConfigMismatch') when `expected` names other contents than the worker's files hold.
   */
  beginRun(run: Pick<RunRef, 'workflowId' | 'runId'>, expected?: ConfigIdentity): Promise<GovflowConfig>;
}
