import type { ActivityDeps } from './deps';
import { alertRaiser } from '../reporting/alerts/raise-alert';

export { alertDedupeKey } from '../reporting/alerts/raise-alert';

// alert: the Temporal-facing step. When a window's findings raise or update its non-compliance
// alert is reporting/alerts/raise-alert.ts; notifying is the alertEscalation workflow's job.
export function alertActivities(deps: ActivityDeps) {
  const { alert } = alertRaiser(deps);
  return { alert };
}
