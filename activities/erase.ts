import type { ActivityDeps } from './deps';
import { subjectErasure } from '../lifecycle/erasure';

export type { ErasureInput, ErasureResult } from '../lifecycle/erasure';

// The eraseSubject workflow's activity. What an erasure deletes, redacts and shreds, and its
// receipt, is lifecycle/erasure.ts.
export function eraseActivities(deps: ActivityDeps) {
  const { eraseSubjectData } = subjectErasure(deps);
  return { eraseSubjectData };
}
