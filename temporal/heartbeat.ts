import { Context } from '@temporalio/activity';

/**
 * Heartbeats `details` (progress, shown by `govflow run`) and throws the activity's
 * CancelledFailure once it has been cancelled (the run was cancelled, it timed out, or the worker
 * is shutting down): call it between batches, where stopping leaves nothing half written. A
 * heartbeat is how a cancellation reaches an activity at all (Temporal's activity cancellation).
 */
export function heartbeatOrStop(details?: unknown): void {
  const ctx = Context.current();
  ctx.heartbeat(details);
  ctx.cancellationSignal.throwIfAborted();
}
