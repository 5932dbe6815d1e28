import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

// The Temporal Schedule that answers data-subject requests without anyone typing a command: every
// DSR_SCHEDULE_EVERY it starts the dataSubjectRequests workflow, which carries out the pending
// erasures (consent withdrawals queued by the consent step, `govflow erase` requests left
// unfinished). The policy's dataSubjectRequests.erasureWithin (at most a month) is the SLA; an
// hourly pass keeps every request far inside it. `govflow worker` and `npm start` create the
// schedule when it is missing and leave an existing one as it is (pause or change it in the
// Temporal UI or with `temporal schedule`).

/** How often a pass runs: small against the SLA (days), large against one pass's work. */
export const DSR_SCHEDULE_EVERY_MS = 60 * 60 * 1000;

/** One schedule per task queue, so workers of different queues (tests, tenants) do not share one. */
export const dsrScheduleId = (taskQueue: string): string => `data-subject-requests-${taskQueue}`;

/** Creates the schedule unless it exists; returns whether it was created. */
export async function ensureDsrSchedule(client: Client, taskQueue: string): Promise<boolean> {
  const scheduleId = dsrScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: DSR_SCHEDULE_EVERY_MS }] },
      action: { type: 'startWorkflow', workflowType: 'dataSubjectRequests', taskQueue, workflowId: scheduleId, args: [] },
      // A pass still running when the next is due has the same work in hand: skip, never pile up.
      policies: { overlap: 'SKIP' },
      state: { note: 'created by govflow: carries out pending erasure requests within the policy SLA' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
