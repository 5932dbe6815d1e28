import type { Window } from '../workflow-safe/window';

// Which schedule action times a backfill must run: one run per window, minus the windows that
// already completed (unless reprocessing), grouped into as few time ranges as possible.

export interface BackfillPlan {
  /** Windows that will run. */
  run: Window[];
  /** Windows that already completed successfully and are left alone. */
  skipped: Window[];
  /** Time ranges to hand to the schedule's backfill, each covering one or more action times. */
  ranges: { start: Date; end: Date }[];
}

/**
 * The window a scheduled run governs: the `windowSeconds` that end at its action time, less the
 * schedule's allowed lateness (`latenessSeconds`, default 0).
 */
export function windowEndingAt(actionTime: Date, windowSeconds: number, latenessSeconds = 0): Window {
  const end = actionTime.getTime() - latenessSeconds * 1000;
  return { start: new Date(end - windowSeconds * 1000).toISOString(), end: new Date(end).toISOString() };
}

const windowKey = (w: Window) => `${Date.parse(w.start)}/${Date.parse(w.end)}`;

export function planBackfill(
  actionTimes: readonly Date[],
  windowSeconds: number,
  completed: readonly Window[],
  reprocess: boolean,
  latenessSeconds = 0,
): BackfillPlan {
  const done = new Set(completed.map(windowKey));
  const plan: BackfillPlan = { run: [], skipped: [], ranges: [] };
  // A margin of one second around each action time selects it whatever the server's range bounds
  // (inclusive or not); action times of one schedule are never that close together.
  const MARGIN_MS = 1000;
  let open: { start: Date; end: Date } | undefined;
  for (const t of [...actionTimes].sort((a, b) => a.getTime() - b.getTime())) {
    const w = windowEndingAt(t, windowSeconds, latenessSeconds);
    if (!reprocess && done.has(windowKey(w))) {
      plan.skipped.push(w);
      open = undefined; // a skipped window splits the range
      continue;
    }
    plan.run.push(w);
    if (open) open.end = new Date(t.getTime() + MARGIN_MS);
    else plan.ranges.push((open = { start: new Date(t.getTime() - MARGIN_MS), end: new Date(t.getTime() + MARGIN_MS) }));
  }
  return plan;
}
