import type { IngestResult, IngestUnit, UnitResult } from '../activities/ingest';
import type { RunRef } from '../workflow-safe/run-ref';
import { onQueueOf } from './regional-steps';

// The ingest task, fanned out: one activity lists the units (a source's query, a file; ids and
// paths only), one activity per unit loads it, at most INGEST_CONCURRENCY at a time, on whichever
// worker polls first (or, for a source with a region, only on that region's queue), and a last
// activity joins the units' counts into the task's result. A unit that fails after its retries
// fails the task, as a failing source did when one activity read them all.

/** Units in flight at once: enough to keep several workers busy, few enough to spare Postgres. */
export const INGEST_CONCURRENCY = 8;

const step = onQueueOf(undefined);

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
  const results: UnitResult[] = await mapBounded(units, INGEST_CONCURRENCY, (unit) => onQueueOf(unit.region).ingestUnit({ ...run, unit }));
  return step.ingestFinish({ ...run, units, results });
}
