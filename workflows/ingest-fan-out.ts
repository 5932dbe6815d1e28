import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { IngestResult, IngestUnit, UnitResult } from '../activities/ingest';
import type { RunRef } from '../workflow-safe/run-ref';
import { regionQueue } from '../workflow-safe/region-queue';
import { STEP_HEARTBEAT_TIMEOUT } from '../workflow-safe/heartbeat-timeout';

// The ingest task, fanned out: one activity lists the units (a source's query, a file; ids and
// paths only), one activity per unit loads it, at most INGEST_CONCURRENCY at a time, on whichever
// worker polls first (or, for a source with a region, only on that region's queue), and a last
// activity joins the units' counts into the task's result. A unit that fails after its retries
// fails the task, as a failing source did when one activity read them all.

/** Units in flight at once: enough to keep several workers busy, few enough to spare Postgres. */
export const INGEST_CONCURRENCY = 8;

const OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};

const step = proxyActivities<GovflowActivities>(OPTIONS);
const regional = new Map<string, GovflowActivities>();

/** The activities of `region`'s task queue (the run's own queue when the unit has no region). */
function on(region: string | undefined): GovflowActivities {
  if (!region) return step;
  let r = regional.get(region);
  if (!r) regional.set(region, (r = proxyActivities<GovflowActivities>({ ...OPTIONS, taskQueue: regionQueue(workflowInfo().taskQueue, region) })));
  return r;
}

/** Runs `fn` over `items`, at most `limit` at a time; results in the items' order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export async function fanOutIngest(run: RunRef): Promise<IngestResult> {
  const units: IngestUnit[] = await step.ingestPlan(run);
  const results: UnitResult[] = await mapBounded(units, INGEST_CONCURRENCY, (unit) => on(unit.region).ingestUnit({ ...run, unit }));
  return step.ingestFinish({ ...run, units, results });
}
