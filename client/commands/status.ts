import type { Client } from '@temporalio/client';
import type { DagStatus } from '../../workflows/dag-runner';
import type { Db } from '../../lib/db';
import type { TaskStatus, TaskState } from '../../lib/dag';

export interface RunStatus {
  workflowId: string;
  temporalStatus: string;
  source: 'workflow query' | 'task_runs';
  dag?: DagStatus;
}

/**
 * A run's task states: from the workflow itself when a worker can answer the query, otherwise
 * from the task_runs ledger in Postgres (a closed run with no worker, say).
 */
export async function runStatus(client: Client, db: Db, workflowId: string): Promise<RunStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  try {
    const dag = await client.withDeadline(Date.now() + 5000, () => handle.query<DagStatus>('status'));
    return { workflowId, temporalStatus: description.status.name, source: 'workflow query', dag };
  } catch {
    const rows = await db
      .selectFrom('govflow.task_runs')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .where('run_id', '=', description.runId)
      .execute();
    const run = await db.selectFrom('govflow.runs').selectAll().where('workflow_id', '=', workflowId).where('run_id', '=', description.runId).executeTakeFirst();
    if (!run) return { workflowId, temporalStatus: description.status.name, source: 'task_runs' };
    const tasks: Record<string, TaskStatus> = {};
    for (const r of rows) {
      tasks[r.task] = {
        state: r.state as TaskState,
        durationMs: r.duration_ms ?? undefined,
        counts: r.counts,
        error: r.error ?? undefined,
      };
    }
    return {
      workflowId,
      temporalStatus: description.status.name,
      source: 'task_runs',
      dag: {
        dag: run.dag,
        window: { start: new Date(run.window_start).toISOString(), end: new Date(run.window_end).toISOString() },
        state: run.status,
        tasks,
      },
    };
  }
}
