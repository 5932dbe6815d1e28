import type { RunRef } from './run-ref';
import type { TaskResult } from './dag';

// Region-pinned steps (data sovereignty, workflow-safe/region-queue.ts). When some source of
// govflow.yaml carries a region, the steps that read raw rows (audit, consent, mask) run once per
// region, on that region's task queue, each over the rows of that region's sources only, and once
// more on the run's own queue over the rest (sources without a region, and rows of any source no
// longer configured, so nothing in the window goes ungoverned). The workflow joins their results
// into the one result the DAG expects. With no region anywhere there is no scope at all and each
// step runs once, unscoped, as it always did. Pure: the workflow and the steps share it.

/** Each region's sources, by region, in configuration order (config `region`); names only. */
export type SourceRegions = Record<string, string[]>;

/**
 * Which rows a step reads:
 * - `region` set: the rows of `sources` (that region's sources), on that region's queue; its
 *   findings and incidents are qualified with `@region` so they never share a key with another region's;
 * - `region` unset: the rows of every source but `sources` (all the pinned sources), on the run's
 *   own queue; `regions` names the regions whose findings it leaves alone.
 */
export interface SourceScope {
  region?: string;
  sources: string[];
  regions?: string[];
}

/** A step's input when the run's sources span regions (absent scope: the whole window, as always). */
export interface ScopedRun extends RunRef {
  scope?: SourceScope;
}

/** The regions of `sources` (configured names and regions), or undefined when none has one. */
export function sourceRegions(sources: ReadonlyArray<{ name: string; region?: string }>): SourceRegions | undefined {
  const out: SourceRegions = {};
  for (const s of sources) if (s.region) (out[s.region] ??= []).push(s.name);
  return Object.keys(out).length ? out : undefined;
}

/** One scope per region, then the rest's; none (undefined) when no source has a region. */
export function sourceScopes(regions: SourceRegions | undefined): SourceScope[] | undefined {
  if (!regions || Object.keys(regions).length === 0) return undefined;
  const names = Object.keys(regions).sort();
  return [
    ...names.map((region) => ({ region, sources: [...regions[region]!] })),
    { sources: names.flatMap((r) => regions[r]!), regions: names },
  ];
}

/**
 * The scopes' results as one task result: counts summed, breakdowns merged by summing each key,
 * the highest attempt. Scopes never share a row, finding or incident, so the sums are exact.
 */
export function joinScopedResults(results: readonly TaskResult[]): TaskResult {
  const counts: Record<string, number> = {};
  const breakdown: Record<string, Record<string, number>> = {};
  let attempt: number | undefined;
  for (const r of results) {
    for (const [k, n] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + n;
    for (const [name, b] of Object.entries(r.breakdown ?? {})) {
      const into = (breakdown[name] ??= {});
      for (const [k, n] of Object.entries(b)) into[k] = (into[k] ?? 0) + n;
    }
    if (r.attempt !== undefined) attempt = Math.max(attempt ?? 0, r.attempt);
  }
  return { counts, ...(Object.keys(breakdown).length ? { breakdown } : {}), ...(attempt !== undefined ? { attempt } : {}) };
}
