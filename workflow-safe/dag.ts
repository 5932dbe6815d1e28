// The shape of a DAG and the bookkeeping of its tasks' states, in Airflow's words (task, upstream,
// upstream_failed). Pure: bundled into workflow code.

export type TaskState = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'upstream_failed';

/** How a run ended, or that it has not: the one meaning of `status` in runs, results and the CLI. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface TaskSpec<Ctx> {
  id: string;
  upstream: string[];
  /**
   * Tasks this one waits for without depending on them: it starts once they are finished in any
   * state, so it can report on them but is never blocked by their failure (the report waits for
   * the alert to show its status).
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
  /** ISO-8601 times and milliseconds. */
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

type Node = { id: string; upstream: string[]; after?: string[] };
const waitsFor = (t: Node) => [...t.upstream, ...(t.after ?? [])];

/** Throws an Error naming the task on an unknown upstream, a duplicate id or a cycle. */
export function validateDag(tasks: readonly Node[]): void {
  const byId = new Map<string, Node>();
  for (const t of tasks) {
    if (byId.has(t.id)) throw new Error(`DAG: task "${t.id}" is declared twice`);
    byId.set(t.id, t);
  }
  const done = new Set<string>();
  const visit = (t: Node, path: string[]) => {
    if (done.has(t.id)) return;
    if (path.includes(t.id)) throw new Error(`DAG: cycle ${[...path, t.id].join(' -> ')}`);
    for (const u of waitsFor(t)) {
      const up = byId.get(u);
      if (!up) throw new Error(`DAG: task "${t.id}" depends on unknown task "${u}"`);
      visit(up, [...path, t.id]);
    }
    done.add(t.id);
  };
  for (const t of tasks) visit(t, []);
}

/** Every task pending, but those in `skip` (they succeeded in an earlier run of the window). */
export function initialStates(tasks: readonly Node[], skip: readonly string[] = []): Record<string, TaskStatus> {
  return Object.fromEntries(tasks.map((t) => [t.id, { state: skip.includes(t.id) ? 'skipped' : 'pending' }]));
}

/**
 * Pending tasks that may start now: every upstream succeeded (or was skipped) and every `after`
 * task finished, however it ended.
 */
export function readyTasks(tasks: readonly Node[], states: Record<string, TaskStatus>): string[] {
  const ok = (id: string) => ['success', 'skipped'].includes(states[id]!.state);
  const finished = (id: string) => !['pending', 'running'].includes(states[id]!.state);
  return tasks
    .filter((t) => states[t.id]!.state === 'pending' && t.upstream.every(ok) && (t.after ?? []).every(finished))
    .map((t) => t.id);
}

/** Marks pending tasks downstream of a failure upstream_failed, transitively; returns their ids. */
export function propagateUpstreamFailures(tasks: readonly Node[], states: Record<string, TaskStatus>): string[] {
  const marked: string[] = [];
  // Declaration order is not topological in general: repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of tasks) {
      const bad = t.upstream.some((u) => ['failed', 'upstream_failed'].includes(states[u]!.state));
      if (states[t.id]!.state === 'pending' && bad) {
        states[t.id]!.state = 'upstream_failed';
        marked.push(t.id);
        changed = true;
      }
    }
  }
  return marked;
}
