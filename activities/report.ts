import type { ActivityDeps } from './deps';
import { reportWriter } from '../reporting/store-reports';

export { COMPLIANCE_REPORT } from '../reporting/report-kinds';

// report: the Temporal-facing step. What it renders and stores (the window's compliance report,
// access audit summary and consent management log) is reporting/store-reports.ts.
export function reportActivities(deps: ActivityDeps) {
  const { report } = reportWriter(deps);
  return { report };
}
