import type { ActivityDeps } from './deps';
import { subjectDataExport } from '../lifecycle/access-request';

export type { AccessRequestInput, AccessRequestResult } from '../lifecycle/access-request';

// The accessRequest workflow's activity. What a person's export holds, where it goes and how the
// disclosure is logged is lifecycle/access-request.ts.
export function accessRequestActivities(deps: ActivityDeps) {
  const { exportSubjectData } = subjectDataExport(deps);
  return { exportSubjectData };
}
