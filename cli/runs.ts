import { isGrpcServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { TRIGGER, VIOLATIONS, WINDOW_START } from '../workflow-safe/search-attributes';
import { UsageError } from './command';

// Governance runs as Temporal's visibility store knows them, filtered by status and by any
// visibility query over govflow's search attributes (GovflowWindowStart, GovflowTrigger,
// GovflowViolations) and Temporal's own (ExecutionStatus, StartTime, …).

// Run statuses are spelt as the runs ledger and Temporal's WorkflowExecutionStatusName spell them
// (`cancelled`); the visibility store's `Canceled` is accepted as `canceled` too.
export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timedout'] as const;
const TEMPORAL_STATUS: Record<string, string> = {
  running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Canceled', canceled: 'Canceled', terminated: 'Terminated', timedout: 'TimedOut',
};

export interface RunRow {
  workflowId: string;
  runId: string;
  taskQueue: string;
  status: string;
  windowStart?: string;
  trigger?: string;
  violations?: number;
  startTime: string;
  closeTime?: string;
}

/**
 * The visibility query for `govflow runs`. `taskQueue` keeps it to one deployment's runs (Temporal's
 * TaskQueue attribute): several deployments may share a namespace, each on its own task queue.
 */
export function runsQuery(o: { status?: string; query?: string; taskQueue?: string }): string {
  const parts = [`WorkflowType = 'governanceRun'`];
  if (o.taskQueue) parts.push(`TaskQueue = '${o.taskQueue.replace(/'/g, "\\'")}'`);
  if (o.status) {
    const s = TEMPORAL_STATUS[o.status.toLowerCase()];
    if (!s) throw new UsageError(`--status: "${o.status}" is not a run status; expected one of ${RUN_STATUSES.join(', ')}`);
    parts.push(`ExecutionStatus = '${s}'`);
  }
  if (o.query) parts.push(`(${o.query})`);
  return parts.join(' AND ');
}

function row(w: WorkflowExecutionInfo): RunRow {
  const sa = w.typedSearchAttributes;
  return {
    workflowId: w.workflowId,
    runId: w.runId,
    taskQueue: w.taskQueue,
    status: w.status.name.toLowerCase(),
    windowStart: sa.get(WINDOW_START)?.toISOString(),
    trigger: sa.get(TRIGGER),
    violations: sa.get(VIOLATIONS),
    startTime: w.startTime.toISOString(),
    closeTime: w.closeTime?.toISOString(),
  };
}

/**
 * Runs matching the filters (those of `taskQueue` only, when given), newest first. A failed run that was since replayed (a later run of
 * the same workflow id exists) is left out of `--status failed`: it needs no more attention.
 */
export async function listRuns(client: Client, o: { status?: string; query?: string; limit?: number; taskQueue?: string }): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  const limit = o.limit ?? 100;
  try {
    for await (const w of client.workflow.list({ query: runsQuery(o) })) {
      if (o.status && o.status !== 'running') {
        const latest = await client.workflow.getHandle(w.workflowId).describe();
        if (latest.runId !== w.runId) continue;
      }
      rows.push(row(w));
      if (rows.length >= limit) break;
    }
  } catch (err) {
    // INVALID_ARGUMENT: the visibility store could not parse the query or does not know a name in it.
    const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError((err as Error).cause) ? ((err as Error).cause as Error) : undefined;
    if (grpc && (grpc as { code?: number }).code === 3) {
      throw new UsageError(`--query: Temporal rejected the query: ${(grpc as { details?: string }).details ?? grpc.message}`);
    }
    throw err;
  }
  return rows;
}

export function formatRuns(rows: RunRow[]): string {
  if (rows.length === 0) return 'no matching runs';
  const w = Math.max(...rows.map((r) => r.workflowId.length), 11);
  const header = `${'WORKFLOW ID'.padEnd(w)}  ${'STATUS'.padEnd(10)}  ${'WINDOW START'.padEnd(20)}  ${'TRIGGER'.padEnd(8)}  VIOLATIONS  STARTED`;
  return [
    header,
    ...rows.map((r) =>
      `${r.workflowId.padEnd(w)}  ${r.status.padEnd(10)}  ${(r.windowStart?.replace(/\.000Z$/, 'Z') ?? '—').padEnd(20)}  ${(r.trigger ?? '—').padEnd(8)}  ${String(r.violations ?? '—').padStart(10)}  ${r.startTime.replace(/\.\d+Z$/, 'Z')}`,
    ),
  ].join('\n');
}
