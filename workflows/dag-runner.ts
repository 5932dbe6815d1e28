import { defineQuery, isCancellation, setHandler } from '@temporalio/workflow';
import { initialStates, propagateUpstreamFailures, readyTasks, validateDag, type RunStatus, type TaskSpec, type TaskStatus } from '../workflow-safe/dag';
import type { Window } from '../workflow-safe/window';

// The generic half of every DAG: DAG files declare tasks and their upstreams, this runs them.

export interface DagStatus {
  dag: string;
  window: Window;
  state: RunStatus;
  tasks: Record<string, TaskStatus>;
}

/** The run's live task states; `govflow run` and `govflow status` ask it. */
export const statusQuery = defineQuery<DagStatus>('status');

/** A DAG's status before it runs; throws on a malformed DAG (see validateDag). */
export function newDagStatus(dag: string, window: Window, tasks: Parameters<typeof validateDag>[0], skip?: readonly string[]): DagStatus {
  validateDag(tasks);
  return { dag, window, state: 'running', tasks: initialStates(tasks, skip) };
}

/**
 * Runs each task once its upstreams succeeded and its `after` tasks finished, independent tasks
 * in parallel, keeping their states in `status` (answered by `statusQuery`). A task that throws
 * is `failed` and what is downstream of it `upstream_failed`. After each batch of finished tasks,
 * while others still run, `record` gets the states changed since its last call (one ledger write);
 * the final states are the caller's to write with the run's end. Ends with `status.state`
 * completed or failed; when the run is cancelled, sets it to cancelled and rethrows the
 * cancellation: it is the run's outcome, not a task's failure.
 */
export async function runDag<Ctx>(
  status: DagStatus,
  tasks: TaskSpec<Ctx>[],
  ctx: Ctx,
  record: (changed: Record<string, TaskStatus>) => Promise<void>,
): Promise<void> {
  setHandler(statusQuery, () => status);
  const running = new Map<string, Promise<string>>();
  const changed = new Set(tasks.map((t) => t.id));
  try {
    for (let finished = false; ; finished = true) {
      for (const id of propagateUpstreamFailures(tasks, status.tasks)) changed.add(id);
      for (const id of readyTasks(tasks, status.tasks)) {
        const p = runTask(tasks.find((t) => t.id === id)!, status.tasks[id]!, ctx);
        p.catch(() => undefined); // a cancellation is rethrown through the race below, once
        running.set(id, p);
        changed.add(id);
      }
      if (running.size === 0) break;
      if (finished) {
        await record(Object.fromEntries([...changed].map((id) => [id, status.tasks[id]!])));
        changed.clear();
      }
      const done = await Promise.race(running.values());
      running.delete(done);
      changed.add(done);
    }
  } catch (err) {
    if (isCancellation(err)) status.state = 'cancelled';
    throw err;
  }
  const failed = Object.values(status.tasks).some((t) => t.state === 'failed' || t.state === 'upstream_failed');
  status.state = failed ? 'failed' : 'completed';
}

async function runTask<Ctx>(spec: TaskSpec<Ctx>, s: TaskStatus, ctx: Ctx): Promise<string> {
  const started = Date.now();
  Object.assign(s, { state: 'running', startedAt: new Date(started).toISOString() });
  try {
    const { counts, attempt, breakdown, skipped } = await spec.run(ctx);
    // A task that found nothing to do by configuration (e.g. no export target) says why.
    Object.assign(s, { state: skipped ? 'skipped' : 'success', counts, attempts: attempt }, breakdown && { breakdown }, skipped && { reason: skipped });
  } catch (err) {
    if (isCancellation(err)) throw err;
    Object.assign(s, { state: 'failed', error: innermostMessage(err) });
  }
  Object.assign(s, { finishedAt: new Date().toISOString(), durationMs: Date.now() - started });
  return spec.id;
}

/** The innermost cause of an activity failure: what a person needs to fix. */
function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
