// The shape of a DAG and the bookkeeping of its tasks' states. Pure: the workflow imports it.

export type TaskState = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'upstream_failed';

export const TERMINAL_STATES: readonly TaskState[] = ['success', 'failed', 'skipped', 'upstream_failed'];

export interface TaskSpec<Ctx> {
  id: string;
  upstream: string[];
  /**
   * Tasks this one waits for without depending on them: it starts once they are finished in any
   * state (success, failed, skipped, upstream_failed), so it can report on them but is never
   * blocked by their failure. E.g. the report waits for the alert to show its status.
   */
  after?: string[];
  run: (ctx: Ctx) => Promise<TaskResult>;
}

/** What a task hands back: counts only, never rows (architecture rule 1, docs/architecture.md). */
export interface TaskResult {
  counts: Record<string, number>;
  /** Small keyed breakdowns, e.g. findings by rule. Still only numbers. */
  breakdown?: Record<string, Record<string, number>>;
  /** Which attempt of the activity produced this result (1 unless Temporal retried it). */
  attempt?: number;
  /** Set when the task found nothing to do by configuration (e.g. no export target): why. */
  skipped?: string;
}

export interface TaskStatus {
  state: TaskState;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  attempts?: number;
  counts?: Record<string, number>;
  breakdown?: Record<string, Record<string, number>>;
  error?: string;
  /** Why a task that ran was skipped (TaskResult.skipped). */
  reason?: string;
}

/** Fails at definition time on unknown upstreams, duplicates or cycles. */
export function validateDag(tasks: ReadonlyArray<{ id: string; upstream: string[]; after?: string[] }>): void {
  const ids = new Set<string>();
  for (const t of tasks) {
    if (ids.has(t.id)) throw new Error(`DAG: task "${t.id}" is declared twice`);
    ids.add(t.id);
  }
  for (const t of tasks) {
    for (const u of [...t.upstream, ...(t.after ?? [])]) {
      if (!ids.has(u)) throw new Error(`DAG: task "${t.id}" depends on unknown task "${u}"`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const visit = (id: string, path: string[]) => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new Error(`DAG: cycle ${[...path, id].join(' -> ')}`);
    visiting.add(id);
    const t = byId.get(id)!;
    for (const u of [...t.upstream, ...(t.after ?? [])]) visit(u, [...path, id]);
    visiting.delete(id);
    done.add(id);
  };
  for (const t of tasks) visit(t.id, []);
}

/**
 * Tasks that may start now: pending, with every upstream succeeded (or skipped because it already
 * succeeded in an earlier attempt of the run) and every `after` task finished, however it ended.
 */
export function readyTasks(
  tasks: ReadonlyArray<{ id: string; upstream: string[]; after?: string[] }>,
  states: Record<string, TaskStatus>,
): string[] {
  const ok = (id: string) => states[id]?.state === 'success' || states[id]?.state === 'skipped';
  const finished = (id: string) => TERMINAL_STATES.includes(states[id]?.state as TaskState);
  return tasks
    .filter((t) => states[t.id]?.state === 'pending' && t.upstream.every(ok) && (t.after ?? []).every(finished))
    .map((t) => t.id);
}

/** Pending tasks downstream of a failure can never run: mark them so, transitively. */
export function propagateUpstreamFailures(
  tasks: ReadonlyArray<{ id: string; upstream: string[] }>,
  states: Record<string, TaskStatus>,
): string[] {
  const marked: string[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const t of tasks) {
      const s = states[t.id];
      if (s?.state !== 'pending') continue;
      const bad = t.upstream.some((u) => states[u]?.state === 'failed' || states[u]?.state === 'upstream_failed');
      if (bad) {
        s.state = 'upstream_failed';
        marked.push(t.id);
        changed = true;
      }
    }
  }
  return marked;
}
