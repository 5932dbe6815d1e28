import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { ErasureInput, ErasureResult } from '../lifecycle/erasure';

const erase = proxyActivities<Pick<GovflowActivities, 'eraseSubjectData'>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Right to be forgotten for one person. The input is an erasure request's id (the CLI stored the
 * request in Postgres), so the person's identifier never enters Temporal's history.
 */
export async function eraseSubject(input: ErasureInput): Promise<ErasureResult> {
  if (!input || !Number.isSafeInteger(input.requestId) || input.requestId <= 0) {
    throw ApplicationFailure.nonRetryable('requestId: expected the id of an erasure request (a positive whole number)', 'InputError');
  }
  return erase.eraseSubjectData({ requestId: input.requestId });
}
