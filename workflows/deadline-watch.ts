import { CancellationScope, isCancellation, log, proxyActivities, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { RunRef } from '../workflow-safe/run-ref';

const policy = proxyLocalActivities<Pick<GovflowActivities, 'runDeadline'>>({ startToCloseTimeout: '30 seconds' });
const alerts = proxyActivities<Pick<GovflowActivities, 'raiseDeadlineAlert'>>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

/**
 * Starts a timer beside the run: if it fires before the run ends, one deadline alert is raised
 * and the run carries on. Returns the function that stops the watch once the run is over.
 */
export function watchDeadline(run: RunRef, deadlineSeconds: number | undefined): () => void {
  const scope = new CancellationScope();
  const startedAt = workflowInfo().startTime.toISOString();
  scope
    .run(async () => {
      const seconds = deadlineSeconds ?? (await policy.runDeadline()).deadlineSeconds;
      await sleep(seconds * 1000);
      await alerts.raiseDeadlineAlert({ ...run, deadlineSeconds: seconds, startedAt });
    })
    .catch((err: unknown) => {
      // Cancelled: the run ended in time. Anything else must not fail the run it watches.
      if (!isCancellation(err)) log.warn('deadline alert could not be raised', { error: String(err) });
    });
  return () => scope.cancel();
}
