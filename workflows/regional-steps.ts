import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { TaskResult } from '../workflow-safe/dag';
import type { RunRef } from '../workflow-safe/run-ref';
import { regionQueue } from '../workflow-safe/region-queue';
import { joinScopedResults, sourceScopes, type ScopedRun, type SourceRegions } from '../workflow-safe/source-scope';
import { STEP_HEARTBEAT_TIMEOUT } from '../workflow-safe/heartbeat-timeout';

// Where a step's activities run: the run's own task queue, or a region's (data sovereignty,
// workflow-safe/region-queue.ts). Ingest sends each source's units to its region's queue
// (ingest-fan-out.ts); audit, consent and mask run once per region over that region's sources,
// and once on the run's own queue over the rest, joined into one task result (inScopes).

/** The steps' activity options: retried a few times, backing off to a minute. */
export const STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};

const own = proxyActivities<GovflowActivities>(STEP_OPTIONS);
const regional = new Map<string, GovflowActivities>();

/** The activities of `region`'s task queue (the run's own queue when there is no region). */
export function onQueueOf(region: string | undefined): GovflowActivities {
  if (!region) return own;
  let r = regional.get(region);
  if (!r) regional.set(region, (r = proxyActivities<GovflowActivities>({ ...STEP_OPTIONS, taskQueue: regionQueue(workflowInfo().taskQueue, region) })));
  return r;
}

/**
 * Runs a step that reads raw rows: once, unscoped, on the run's own queue when no source has a
 * region (the common case, as it always ran); else once per scope (sourceScopes), each on its
 * region's queue, all at once, their results joined. Every scope is waited for before a failure
 * is rethrown (the first), so the task never ends while one of its activities still writes.
 */
export async function inScopes(
  run: RunRef,
  regions: SourceRegions | undefined,
  step: (on: GovflowActivities, input: ScopedRun) => Promise<TaskResult>,
): Promise<TaskResult> {
  const scopes = sourceScopes(regions);
  if (!scopes) return step(own, run);
  const settled = await Promise.allSettled(scopes.map((scope) => step(onQueueOf(scope.region), { ...run, scope })));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return joinScopedResults(settled.map((s) => (s as PromiseFulfilledResult<TaskResult>).value));
}
