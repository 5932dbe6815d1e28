import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { AccessRequestInput, AccessRequestResult } from '../activities/access-request';

const act = proxyActivities<Pick<GovflowActivities, 'exportSubjectData'>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Right of access (GDPR Art. 15) for one person. The input is an access request's id (the CLI
 * stored the request in Postgres), so the person's identifier never enters Temporal's history;
 * the result names the export by its path (the request id) and counts rows per table.
 */
export async function accessRequest(input: AccessRequestInput): Promise<AccessRequestResult> {
  if (!input || !Number.isSafeInteger(input.requestId) || input.requestId <= 0) {
    throw ApplicationFailure.nonRetryable('requestId: expected the id of an access request (a positive whole number)', 'InputError');
  }
  return act.exportSubjectData({ requestId: input.requestId });
}
