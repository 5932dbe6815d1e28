import type { ActivityDeps } from './deps';
import { deadlineAlerts } from '../reporting/alerts/deadline-alert';

export type { DeadlineAlertInput } from '../reporting/alerts/deadline-alert';

// The run deadline's activities (workflows/deadline.ts). The policy's deadline and the alert a
// late run raises are reporting/alerts/deadline-alert.ts.
export function deadlineActivities(deps: ActivityDeps) {
  const { runDeadline, raiseDeadlineAlert } = deadlineAlerts(deps);
  return { runDeadline, raiseDeadlineAlert };
}
