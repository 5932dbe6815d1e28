import { defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  propagateUpstreamFailures,
  readyTasks,
  validateDag,
  type TaskSpec,
  type TaskStatus,
} from '../lib/dag';
import type { Window } from '../lib/window';
import { ledger } from './ledger';

// The generic half of every DAG: run each task once its upstreams succeeded, independent tasks
// in parallel; keep every task's state in workflow state, answer `status`, and write each
// transition to task_runs. DAG files only declare tasks and their upstreams.

export interface DagStatus {
  dag: string;
  window: Window;
  state: 'running' | 'completed' | 'failed';
  tasks: Record<string, TaskStatus>;
}

export const statusQuery = defineQuery<DagStatus>('status');


export async function runDag<Ctx>(
  dag: string,
  window: Window,
  tasks: TaskSpec<Ctx>[],
  ctx: Ctx,
  skip: readonly string[] = [],
): Promise<DagStatus> {
  validateDag(tasks);
  const { workflowId, runId } = workflowInfo();
  const status: DagStatus = { dag, window, state: 'running', tasks: {} };
  for (const t of tasks) status.tasks[t.id] = { state: skip.includes(t.id) ? 'skipped' : 'pending' };
  setHandler(statusQuery, () => status);

  const record = (...ids: string[]) =>
    ledger.recordTasks({ workflowId, runId, tasks: Object.fromEntries(ids.map((id) => [id, status.tasks[id]!])) });

  await record(...tasks.map((t) => t.id));

  const running = new Map<string, Promise<void>>();
  const start = (spec: TaskSpec<Ctx>) => {
    const s = status.tasks[spec.id]!;
    s.state = 'running';
    s.startedAt = new Date().toISOString();
    const started = Date.now();
    const p = (async () => {
      await record(spec.id);
      try {
        const result = await spec.run(ctx);
        s.state = result.skipped ? 'skipped' : 'success';
        if (result.skipped) s.reason = result.skipped;
        s.counts = result.counts;
        s.attempts = result.attempt;
        if (result.breakdown) s.breakdown = result.breakdown;
      } catch (err) {
        s.state = 'failed';
        s.error = describe(err);
      }
      s.finishedAt = new Date().toISOString();
      s.durationMs = Date.now() - started;
      await record(spec.id);
    })().finally(() => running.delete(spec.id));
    running.set(spec.id, p);
  };

  for (;;) {
    const blocked = propagateUpstreamFailures(tasks, status.tasks);
    if (blocked.length) await record(...blocked);
    for (const id of readyTasks(tasks, status.tasks)) start(tasks.find((t) => t.id === id)!);
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  status.state = Object.values(status.tasks).some((t) => t.state === 'failed' || t.state === 'upstream_failed')
    ? 'failed'
    : 'completed';
  return status;
}

/** The innermost cause of an activity failure: what a person needs to fix. */
function describe(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
