import { randomUUID } from 'node:crypto';
import { type Client, type WorkflowExecutionDescription, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Db } from '../db/pool';
import type { GovernanceInput } from '../workflow-safe/run-input';
import type { SourceRegions } from '../workflow-safe/source-scope';
import { governanceRun } from '../workflows/governance';
import { UsageError } from './command';

// `govflow replay`: a failed run goes on from where it failed. First choice is Temporal's own
// reset to the workflow task that scheduled the failed step: everything before it (the steps that
// succeeded) stays in the history and is not run again. Where no reset is possible (the history is
// gone, or the run failed before any step), a new run of the same window starts, with the tasks
// that succeeded (per the task_runs ledger) skipped.

const EventType = proto.temporal.api.enums.v1.EventType;

const REPLAYABLE = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

export type ReplayMode = 'auto' | 'reset' | 'new-run';

export interface ReplayOutcome {
  mode: 'reset' | 'new-run';
  workflowId: string;
  /** The run that continues the work. */
  runId: string;
  /** reset: the steps re-run from the reset point; new-run: the steps skipped. */
  tasks: string[];
  reason?: string;
}

export class ResetImpossible extends Error {}

/** The WorkflowTaskCompleted event that scheduled the earliest failed step, or why there is none. */
export async function resetPoint(client: Client, workflowId: string, runId: string): Promise<{ eventId: number; failed: string[] }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const scheduled = new Map<number, { name: string; wftCompleted: number }>();
  const failed: { name: string; wftCompleted: number }[] = [];
  for (const e of history.events ?? []) {
    const id = Number(e.eventId);
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const a = e.activityTaskScheduledEventAttributes!;
      scheduled.set(id, { name: a.activityType?.name ?? '?', wftCompleted: Number(a.workflowTaskCompletedEventId) });
    }
    const scheduledId =
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED ? e.activityTaskFailedEventAttributes?.scheduledEventId
      : e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ? e.activityTaskTimedOutEventAttributes?.scheduledEventId
      : undefined;
    if (scheduledId != null) {
      const s = scheduled.get(Number(scheduledId));
      if (s) failed.push(s);
    }
  }
  if (failed.length === 0) throw new ResetImpossible('no task failed in its history (the run failed before or outside its tasks)');
  const first = failed.reduce((a, b) => (b.wftCompleted < a.wftCompleted ? b : a));
  return { eventId: first.wftCompleted, failed: [...new Set(failed.map((f) => f.name))] };
}

async function reset(client: Client, d: WorkflowExecutionDescription): Promise<ReplayOutcome> {
  const point = await resetPoint(client, d.workflowId, d.runId);
  const res = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: d.workflowId, runId: d.runId },
    reason: `govflow replay: resume at ${point.failed.join(', ')}`,
    // The generated type says Long; protobufjs encodes a plain number just as well.
    workflowTaskFinishEventId: point.eventId as never,
    requestId: randomUUID(),
  });
  return { mode: 'reset', workflowId: d.workflowId, runId: res.runId!, tasks: point.failed };
}

/** A new run of the failed run's window that skips what already succeeded, per the ledger. */
async function newRun(client: Client, db: Db, workflowId: string, taskQueue: string | undefined, regions: SourceRegions | undefined, reason?: string): Promise<ReplayOutcome> {
  const run = await db
    .selectFrom('govflow.runs')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
  if (!run) throw new UsageError(`no run ${workflowId} in the runs ledger, so its window is unknown; start it again with govflow run --from --to`);
  if (run.status === 'completed') throw new UsageError(`${workflowId} completed; there is nothing to replay`);
  const done = await db
    .selectFrom('govflow.task_runs')
    .select('task')
    .where('workflow_id', '=', workflowId)
    .where('run_id', '=', run.run_id)
    .where('state', 'in', ['success', 'skipped'])
    .execute();
  const input: GovernanceInput = {
    window: { start: new Date(run.window_start).toISOString(), end: new Date(run.window_end).toISOString() },
    trigger: 'replay',
    skipTasks: done.map((t) => t.task).sort(),
  };
  // Skipping ingest, the run learns no regions from it: audit, consent and mask must still run on
  // their regions' queues (workflow-safe/source-scope.ts).
  if (regions && input.skipTasks!.includes('ingest')) input.sourceRegions = regions;
  // Same workflow id: the run replaces the failed one under the name people and schedules know.
  const handle = await client.workflow.start(governanceRun, { workflowId, taskQueue: taskQueue!, args: [input] });
  return { mode: 'new-run', workflowId, runId: handle.firstExecutionRunId, tasks: input.skipTasks!, reason };
}

/** `o.sourceRegions`: each region's sources (the config's), handed to a new run that skips ingest. */
export async function replayRun(client: Client, db: Db, workflowId: string, o: { mode?: ReplayMode; taskQueue: string; sourceRegions?: SourceRegions }): Promise<ReplayOutcome> {
  const mode = o.mode ?? 'auto';
  let d: WorkflowExecutionDescription | undefined;
  try {
    d = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (d && !REPLAYABLE.has(d.status.name)) {
    throw new UsageError(`${workflowId} is ${d.status.name.toLowerCase()}; only a failed, timed-out, terminated or cancelled run can be replayed`);
  }
  if (mode === 'new-run') return newRun(client, db, workflowId, d?.taskQueue ?? o.taskQueue, o.sourceRegions);
  if (!d) {
    if (mode === 'reset') throw new UsageError(`${workflowId}: Temporal has no history of it any more, so it cannot be reset; use --mode new-run`);
    return newRun(client, db, workflowId, o.taskQueue, o.sourceRegions, 'Temporal has no history of the run any more');
  }
  try {
    return await reset(client, d);
  } catch (err) {
    if (mode === 'reset') throw err instanceof ResetImpossible ? new UsageError(`${workflowId} cannot be reset: ${err.message}`) : err;
    return newRun(client, db, workflowId, d.taskQueue, o.sourceRegions, `reset impossible: ${(err as Error).message}`);
  }
}
