import { proxyLocalActivities } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';

/** runs/task_runs bookkeeping: quick database writes, so local activities (no extra task round trip). */
export const ledger = proxyLocalActivities<Pick<GovflowActivities, 'startRun' | 'recordTasks' | 'finishRun'>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});
