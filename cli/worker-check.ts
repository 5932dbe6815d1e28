import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';

// Before a command starts a workflow and waits for it, it asks Temporal whether any worker polls
// the task queue (DescribeTaskQueue, default mode, which lists the pollers Temporal heard from in
// the last few minutes, per task-queue type). Without one, the command would print "started …"
// and wait forever; with this check it says what to start instead.

const { TaskQueueType, TaskQueueKind } = proto.temporal.api.enums.v1;

/** A command that needs a worker found none: the message says which queue and how to start one. */
export class NoWorkerError extends Error {
  constructor(
    readonly taskQueue: string,
    readonly namespace: string,
    missing: 'workflow' | 'activity' | 'any',
  ) {
    super(
      `no worker is polling task queue "${taskQueue}" on namespace "${namespace}"` +
        (missing === 'any' ? '' : ` for ${missing} tasks`) +
        ` — start one with: npx govflow worker` +
        ' (with the same GOVFLOW_TASK_QUEUE, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE)',
    );
    this.name = 'NoWorkerError';
  }
}

/** Identities of the workers polling `taskQueue`, per task type (workflow tasks, activity tasks). */
export async function taskQueuePollers(client: Client, taskQueue: string): Promise<{ workflow: string[]; activity: string[] }> {
  const describe = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) => {
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    return (res.pollers ?? []).map((p) => p.identity ?? '?');
  };
  const [workflow, activity] = await Promise.all([
    describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    describe(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return { workflow, activity };
}

/**
 * Throws NoWorkerError unless some worker polls `taskQueue` for both workflow and activity tasks
 * (govflow's worker does both: one without the other runs nothing to its end).
 */
export async function requireWorker(client: Client, taskQueue: string): Promise<void> {
  const { workflow, activity } = await taskQueuePollers(client, taskQueue);
  if (workflow.length && activity.length) return;
  const missing = !workflow.length && !activity.length ? 'any' : !workflow.length ? 'workflow' : 'activity';
  throw new NoWorkerError(taskQueue, client.options.namespace, missing);
}
