import type { ActivityDeps } from './deps';
import { alertNotifier } from '../reporting/alerts/notify';

export type { AlertNotice, AlertStage } from '../reporting/alerts/notify';

// The alertEscalation workflow's activities. Who is told, how (email, webhook), exactly once per
// (alert, stage), and what an acknowledgement records, is reporting/alerts/notify.ts.
export function alertNotifyActivities(deps: ActivityDeps) {
  const { notifyAlert, acknowledgeAlert, openAlerts } = alertNotifier(deps);
  return { notifyAlert, acknowledgeAlert, openAlerts };
}
