import type { Client } from '@temporalio/client';
import { UsageError, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { formatTaskTable } from '../format';
import { loadEnv } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import { statusQuery, type DagStatus } from '../../workflows/dag-runner';
import type { Db } from '../../db/pool';
import type { TaskStatus, TaskState } from '../../workflow-safe/dag';

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
    const dag = await client.withDeadline(Date.now() + 5000, () => handle.query(statusQuery));
    return { workflowId, temporalStatus: description.status.name, source: 'workflow query', dag };
  } catch {
    // The newest ledger row of the workflow id: a reset run writes the row of the run it was reset
    // from (StartedRun.runId), so Temporal's current run id is not the key.
    const run = await db.selectFrom('govflow.runs').selectAll().where('workflow_id', '=', workflowId).orderBy('started_at', 'desc').executeTakeFirst();
    const rows = run
      ? await db.selectFrom('govflow.task_runs').selectAll().where('workflow_id', '=', workflowId).where('run_id', '=', run.run_id).execute()
      : [];
    if (!run) return { workflowId, temporalStatus: description.status.name, source: 'task_runs' };
    const tasks: Record<string, TaskStatus> = {};
    for (const r of rows) {
      tasks[r.task] = {
        state: r.state as TaskState,
        durationMs: r.duration_ms ?? undefined,
        counts: r.counts as Record<string, number>,
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
        state: run.status as DagStatus['state'],
        tasks,
      },
    };
  }
}

export const statusCommand: Command = {
  name: 'status',
  usage: 'status <workflowId> [--json]',
  summary: "print a run's task states",
  options: { json: { type: 'boolean', description: 'print JSON' } },
  usesDatabase: true,
  async run(ctx) {
    const workflowId = ctx.args[0];
    if (!workflowId) throw new UsageError('status needs a workflow id: govflow status <workflowId>');
    const env = loadEnv();
    const { client, connection } = await connectClient();
    const db = createDb(createPool(env.databaseUrl, 2));
    try {
      const s = await runStatus(client, db, workflowId);
      if (ctx.flags.json === true) ctx.out(JSON.stringify(s, null, 2));
      else {
        ctx.out(`${workflowId}: ${s.temporalStatus} (task states from the ${s.source})`);
        ctx.out(s.dag ? formatTaskTable(s.dag.tasks) : '  no task states recorded yet');
      }
      return 0;
    } finally {
      await connection.close();
      await db.destroy();
    }
  },
};
