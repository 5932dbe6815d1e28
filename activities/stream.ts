import type { ActivityDeps } from './deps';
import { streamBatchPuller } from '../ingest/stream/pull-batch';

export type { PullInput, PullResult } from '../ingest/stream/pull-batch';

// The streamGovernance workflow's pull. How a micro-batch is read, checked, loaded and
// checkpointed in one transaction is ingest/stream/pull-batch.ts.
export function streamActivities(deps: ActivityDeps) {
  const { pullStreamBatch } = streamBatchPuller(deps);
  return { pullStreamBatch };
}
