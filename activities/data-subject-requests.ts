import type { ActivityDeps } from './deps';
import { claimErasureQueue, type ErasureQueueState } from '../lifecycle/erasure/queue';
import { classifyStepError } from '../temporal/step-errors';

// The data-subject-requests pass's Temporal-facing shell: claims the erasure queue and returns
// request ids and counts only (never an identifier).

/** Erasure requests one pass carries out at most; the rest wait for the next pass. */
export const ERASURES_PER_PASS = 200;

export function dataSubjectRequestActivities({ db, config, env }: ActivityDeps) {
  return {
    async claimErasureRequests(): Promise<ErasureQueueState> {
      try {
        return await claimErasureQueue(db, env.pseudonymKey, config.policy.policy.dataSubjectRequests.erasureWithin, ERASURES_PER_PASS);
      } catch (err) {
        return classifyStepError(err);
      }
    },
  };
}
