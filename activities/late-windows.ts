import type { ActivityDeps } from './deps';
import { lateWindowFinder } from '../ingest/late-windows';

export type { LateWindow } from '../ingest/late-windows';

// lateWindows: the Temporal-facing step. Which earlier windows received rows since they were
// last governed, and the revision runs that govern them again, is ingest/late-windows.ts.
export function lateWindowsActivities(deps: ActivityDeps) {
  const { lateWindows } = lateWindowFinder(deps);
  return { lateWindows };
}
