import type { ActivityDeps } from './deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { RunStatus, TaskStatus } from '../workflow-safe/dag';
import type { Db } from '../db/pool';
import { configIdentity, type ConfigIdentity } from '../config/config';

// The `runs` and `task_runs` ledger: what a regulator (and `govflow replay`) reads to know what
// ran, when, under which policy, and how each task ended. A handful of writes a run: startRun,
// one recordTasks per batch of finished tasks, finishRun. A row is keyed by the workflow id and the
// run id startRun saw, which a Temporal reset keeps (the reset run replays startRun's result).

export interface StartRunInput extends RunRef {
  dag: string;
  trigger: string;
  /** What the starter meant (govflow run --config X): the run fails at once if the worker's differs. */
  expectedConfig?: ConfigIdentity;
}

export interface StartedRun {
  policyHash: string;
  config: ConfigIdentity;
  /**
   * The ledger row's run id, for every later write and every step: the run's own, or, in a run
   * made by resetting one (govflow replay), the id of the run it was reset from, since the reset
   * run replays this result rather than calling startRun again.
   */
  runId: string;
}

export function runLedgerActivities({ db, config: builtWith, configs }: ActivityDeps) {
  return {
    /**
     * Records the run with the config and policy it runs under (paths and sha256) and returns
     * them. On a worker, the config files are re-read first if they changed (worker/live-config.ts);
     * a changed file that no longer loads, or an `expectedConfig` other than the worker's, fails
     * the run here, before any step, with a non-retryable ApplicationFailure that says what to do.
     */
    async startRun(input: StartRunInput): Promise<StartedRun> {
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
      return { policyHash, config: used, runId: input.runId };
    },

    /**
     * Upserts the given tasks' states and marks the run running again (a reset run goes on under
     * the ledger row of the run it was reset from, which may say failed). One transaction.
     */
    async recordTasks(input: LedgerKey & { tasks: Record<string, TaskStatus> }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('govflow.runs').set({ status: 'running', finished_at: null })
          .where('workflow_id', '=', input.workflowId).where('run_id', '=', input.runId).where('status', '<>', 'running')
          .execute();
        await upsertTasks(tx, input, input.tasks);
      });
    },

    /** The run's end: its status, totals and every task's final state. One transaction. */
    async finishRun(input: LedgerKey & { status: Exclude<RunStatus, 'running'>; tasks: Record<string, TaskStatus>; totals: Record<string, unknown> }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('govflow.runs')
          .set({ status: input.status, totals: JSON.stringify(input.totals), finished_at: new Date() })
          .where('workflow_id', '=', input.workflowId).where('run_id', '=', input.runId)
          .execute();
        await upsertTasks(tx, input, input.tasks);
      });
    },
  };
}

/** A run's row in the ledger. */
export interface LedgerKey {
  workflowId: string;
  /** The run id that startRun recorded (see StartedRun.runId). */
  runId: string;
}

async function upsertTasks(db: Db, key: LedgerKey, tasks: Record<string, TaskStatus>): Promise<void> {
  const rows = Object.entries(tasks).map(([task, s]) => ({
    workflow_id: key.workflowId,
    run_id: key.runId,
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
  const excluded = ['state', 'counts', 'rows_in', 'rows_out', 'started_at', 'finished_at', 'duration_ms', 'error', 'attempts'] as const;
  await db
    .insertInto('govflow.task_runs')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['workflow_id', 'run_id', 'task']).doUpdateSet((eb) => Object.fromEntries(excluded.map((c) => [c, eb.ref(`excluded.${c}`)]))),
    )
    .execute();
}
