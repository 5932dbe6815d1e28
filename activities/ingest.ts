import type { ActivityDeps } from './deps';
import { sourceIngest } from '../ingest/ingest-sources';

export type { IngestFinishInput, IngestProgress, IngestResult, IngestUnit, IngestUnitInput, UnitResult } from '../ingest/ingest-sources';

// ingest: the Temporal-facing step, in parts the workflow fans out (workflows/ingest-fan-out.ts).
// What is planned, loaded exactly once and counted is ingest/ingest-sources.ts.
export function ingestActivities(deps: ActivityDeps) {
  const { ingestPlan, ingestUnit, ingestFinish, ingest } = sourceIngest(deps);
  return { ingestPlan, ingestUnit, ingestFinish, ingest };
}
