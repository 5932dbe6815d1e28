import { Context } from '@temporalio/activity';

/**
 * How often a running step heartbeats whatever it is doing, in ms. The DAG's steps time out after
 * 30 s without a heartbeat (workflows/governance.ts): that is how long Temporal waits before it
 * retries the step of a worker that was killed. 5 s leaves room for a loaded machine's timers to
 * run late, and for the SDK's throttling (it sends at most one heartbeat per 80% of the timeout).
 */
export const KEEP_ALIVE_MS = 5_000;

// The details each activity last heartbeated, so a keep-alive beat repeats them instead of
// wiping the progress `govflow run` shows (Temporal keeps only the last heartbeat's details).
const lastDetails = new WeakMap<Context, unknown>();

/** The running activity's context, or undefined outside an activity (a bench, a unit test). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Heartbeats `details` (progress, shown by `govflow run`) and throws the activity's
 * CancelledFailure once it has been cancelled (the run was cancelled, it timed out, or the worker
 * is shutting down): call it between batches, where stopping leaves nothing half written. A
 * heartbeat is how a cancellation reaches an activity at all (Temporal's activity cancellation).
 */
export function heartbeatOrStop(details?: unknown): void {
  const ctx = Context.current();
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
  ctx.cancellationSignal.throwIfAborted();
}

/**
 * Runs `work`, heartbeating every `everyMs` (repeating the last details heartbeatOrStop sent)
 * until it settles, so a step busy in one long SQL statement, an SMTP conversation or a wait for
 * the database is not taken for a dead one. It only says "alive": cancellation still reaches the
 * step at its next heartbeatOrStop. Outside an activity it just runs `work`. Returns or throws
 * what `work` does.
 */
export async function keepAlive<T>(work: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const ctx = activityContext();
  if (!ctx) return work();
  const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
