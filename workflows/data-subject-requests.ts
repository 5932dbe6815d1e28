import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowFailure, executeChild, log, proxyActivities } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { ErasureResult } from '../activities/erase';
import { eraseSubject } from './erase';

const act = proxyActivities<Pick<GovflowActivities, 'claimErasureRequests'>>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface DataSubjectRequestsResult {
  /** Consent-step requests turned into erasure requests by this pass. */
  claimed: number;
  /** Erasure requests this pass completed (request ids: no identifier crosses Temporal). */
  completed: number[];
  /** Requests another workflow was already carrying out (e.g. a `govflow erase` waiting for it). */
  alreadyRunning: number[];
  /** Requests whose erasure failed after its retries; they stay pending for the next pass. */
  failed: number[];
  /** Pending requests past their due date when the pass began. */
  overdue: number;
}

/** The workflow id of request `id`'s erasure: the same one `govflow erase` uses, so the two never run twice at once. */
export const erasureWorkflowId = (id: number): string => `erase-request-${id}`;

/**
 * One pass over the data-subject-request queue, started by the `data-subject-requests-<queue>`
 * Temporal Schedule (client/dsr-schedule.ts): claims the consent step's erasure requests and
 * carries out every pending erasure, the earliest due first, each as an eraseSubject child (one
 * transaction, one receipt). Input and result hold request ids and counts only.
 */
export async function dataSubjectRequests(): Promise<DataSubjectRequestsResult> {
  const queue = await act.claimErasureRequests();
  if (queue.overdue > 0) log.warn('erasure requests past their due date', { overdue: queue.overdue });
  const result: DataSubjectRequestsResult = { claimed: queue.claimed, completed: [], alreadyRunning: [], failed: [], overdue: queue.overdue };
  for (const requestId of queue.pending) {
    try {
      const r: ErasureResult = await executeChild(eraseSubject, { workflowId: erasureWorkflowId(requestId), args: [{ requestId }] });
      result.completed.push(r.requestId);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) result.alreadyRunning.push(requestId);
      else if (err instanceof ChildWorkflowFailure) result.failed.push(requestId);
      else throw err;
    }
  }
  return result;
}
