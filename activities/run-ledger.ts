import type { ActivityDeps } from './deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { TaskStatus } from '../workflow-safe/dag';
import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { configIdentity, type ConfigIdentity } from '../config/config';

// The `runs` and `task_runs` ledger: what a regulator (and `govflow replay`) reads to know what
// ran, when, under which policy, and how each task ended.

export interface StartRunInput extends RunRef {
  dag: string;
  trigger: string;
  /** What the starter meant (govflow run --config X): the run fails at once if the worker's differs. */
  expectedConfig?: ConfigIdentity;
}

export function runLedgerActivities({ db, config: builtWith, configs }: ActivityDeps) {
  return {
    /**
     * Records the run with the config and policy it runs under (paths and sha256) and returns
     * them. On a worker, the config files are re-read first if they changed (worker/live-config.ts);
     * a changed file that no longer loads, or an `expectedConfig` other than the worker's, fails
     * the run here, before any step, with a non-retryable ApplicationFailure that says what to do.
     */
    async startRun(input: StartRunInput): Promise<{ policyHash: string; config: ConfigIdentity }> {
      const config = configs ? await configs.beginRun(input, input.expectedConfig) : builtWith;
      const used = configIdentity(config);
      const policyHash = used.policyHash;
      await db
        .insertInto('govflow.runs')
        .values({
          workflow_id: input.workflowId,
          run_id: input.runId,
          dag: input.dag,
          window_start: input.window.start,
          window_end: input.window.end,
          trigger: input.trigger,
          status: 'running',
          policy_hash: policyHash,
          policy_file: used.policyFile,
          config_file: used.configFile,
          config_hash: used.configHash,
          totals: JSON.stringify({}),
        })
        .onConflict((oc) => oc.columns(['workflow_id', 'run_id']).doNothing())
        .execute();
      return { policyHash, config: used };
    },

    /** Upserts the state of one or more tasks of a run (one statement, one round trip). */
    async recordTasks(input: { workflowId: string; runId: string; tasks: Record<string, TaskStatus> }): Promise<void> {
      const rows = Object.entries(input.tasks).map(([task, s]) => ({
        workflow_id: input.workflowId,
        run_id: input.runId,
        task,
        state: s.state,
        counts: JSON.stringify(s.counts ?? {}),
        rows_in: s.counts?.rowsIn ?? null,
        rows_out: s.counts?.rowsOut ?? null,
        started_at: s.startedAt ?? null,
        finished_at: s.finishedAt ?? null,
        duration_ms: s.durationMs ?? null,
        error: s.error ?? null,
        attempts: s.attempts ?? 0,
      }));
      if (rows.length === 0) return;
      const upsert = () => db
        .insertInto('govflow.task_runs')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['workflow_id', 'run_id', 'task']).doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            counts: eb.ref('excluded.counts'),
            rows_in: eb.ref('excluded.rows_in'),
            rows_out: eb.ref('excluded.rows_out'),
            started_at: eb.ref('excluded.started_at'),
            finished_at: eb.ref('excluded.finished_at'),
            duration_ms: eb.ref('excluded.duration_ms'),
            error: eb.ref('excluded.error'),
            attempts: eb.ref('excluded.attempts'),
          })),
        )
        .execute();
      try {
        await upsert();
      } catch (err) {
        // A run made by resetting a failed one (govflow replay) has a run id the ledger has not
        // seen: its startRun happened before the reset point, under the old run id.
        if ((err as { code?: string }).code !== '23503') throw err;
        await adoptResetRun(db, input.workflowId, input.runId);
        await upsert();
      }
    },

    async finishRun(input: { workflowId: string; runId: string; status: 'completed' | 'failed'; totals: Record<string, unknown> }): Promise<void> {
      await db
        .updateTable('govflow.runs')
        .set({ status: input.status, totals: JSON.stringify(input.totals), finished_at: new Date() })
        .where('workflow_id', '=', input.workflowId)
        .where('run_id', '=', input.runId)
        .execute();
    },
  };
}

/**
 * Gives a reset run the ledger row of the run it was reset from (same window, trigger, policy),
 * and that run's succeeded tasks, which the reset kept and will not run again.
 */
async function adoptResetRun(db: Db, workflowId: string, runId: string): Promise<void> {
  await sql`
    with base as (
      select * from govflow.runs where workflow_id = ${workflowId} and run_id <> ${runId}
      order by started_at desc limit 1
    ), adopted as (
      insert into govflow.runs (workflow_id, run_id, dag, window_start, window_end, trigger, status, policy_hash, policy_file, config_file, config_hash, totals)
      select workflow_id, ${runId}, dag, window_start, window_end, trigger, 'running', policy_hash, policy_file, config_file, config_hash, '{}' from base
      on conflict do nothing
      returning run_id
    )
    insert into govflow.task_runs (workflow_id, run_id, task, state, attempts, rows_in, rows_out, counts, started_at, finished_at, duration_ms, error)
    select t.workflow_id, ${runId}, t.task, t.state, t.attempts, t.rows_in, t.rows_out, t.counts, t.started_at, t.finished_at, t.duration_ms, t.error
    from govflow.task_runs t join base b on t.workflow_id = b.workflow_id and t.run_id = b.run_id
    where t.state in ('success', 'skipped') and exists (select 1 from adopted)
    on conflict do nothing`.execute(db);
}
