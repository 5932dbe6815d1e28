import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { TaskSpec, TaskStatus } from '../lib/dag';
import type { RunRef } from '../lib/run-ref';
import { InputError, resolveInput, type GovernanceInput } from '../lib/run-input';
import type { Window } from '../lib/window';
import { runDag } from './dag-runner';
import { startEscalations } from './alert-escalation';
import { ledger } from './ledger';
import { markRunFinished, markRunStarted, scheduledStartTime } from './run-search-attributes';
import { watchDeadline } from './deadline-watch';
import { governanceKpis, type GovernanceKpis } from '../lib/kpis';
import type { ConfigIdentity } from '../lib/config';

const step = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

// The governance DAG. Each step reads and writes Postgres; only ids, the window and counts
// pass through here.
export const GOVERNANCE_DAG: TaskSpec<RunRef>[] = [
  { id: 'ingest', upstream: [], run: (r) => step.ingest(r) },
  { id: 'audit', upstream: ['ingest'], run: (r) => step.audit(r) },
  { id: 'consent', upstream: ['ingest'], run: (r) => step.consent(r) },
  { id: 'mask', upstream: ['consent'], run: (r) => step.mask(r) },
  { id: 'report', upstream: ['audit', 'mask'], run: (r) => step.report(r) },
  { id: 'email', upstream: ['report'], run: (r) => step.emailReport(r) },
  { id: 'alert', upstream: ['report'], run: async (r) => startEscalations(r, await step.alert(r)) },
];

export interface GovernanceResult {
  workflowId: string;
  runId: string;
  status: 'completed' | 'failed';
  window: Window;
  trigger: string;
  policyHash: string;
  /** The config and policy files the worker ran with (absent in runs recorded before it was kept). */
  config?: ConfigIdentity;
  tasks: Record<string, TaskStatus>;
  kpis: GovernanceKpis;
}

export async function governanceRun(input: GovernanceInput = {}): Promise<GovernanceResult> {
  const { workflowId, runId, startTime } = workflowInfo();
  let resolved;
  try {
    resolved = resolveInput(input, startTime, GOVERNANCE_DAG.map((t) => t.id), scheduledStartTime());
  } catch (err) {
    // A bad input can never succeed on retry: fail the workflow now, naming the field.
    if (err instanceof InputError) throw ApplicationFailure.nonRetryable(err.message, 'InputError', { field: err.field });
    throw err;
  }
  const run: RunRef = { workflowId, runId, window: resolved.window };
  const { policyHash, config } = await ledger.startRun({ ...run, dag: 'governance', trigger: resolved.trigger, expectedConfig: resolved.expectedConfig });

  markRunStarted(run.window, resolved.trigger);
  const stopDeadlineWatch = watchDeadline(run, resolved.deadlineSeconds);

  const dag = await runDag('governance', run.window, GOVERNANCE_DAG, run, resolved.skipTasks);
  stopDeadlineWatch();
  const result: GovernanceResult = {
    workflowId,
    runId,
    status: dag.state === 'completed' ? 'completed' : 'failed',
    window: run.window,
    trigger: resolved.trigger,
    policyHash,
    config,
    tasks: dag.tasks,
    kpis: governanceKpis(dag.tasks),
  };
  await ledger.finishRun({ workflowId, runId, status: result.status, totals: { kpis: result.kpis } });
  markRunFinished(result.status, result.kpis.consentViolations);

  if (result.status === 'failed') {
    const failed = Object.entries(dag.tasks).filter(([, t]) => t.state === 'failed').map(([id, t]) => `${id}: ${t.error}`);
    // Failing the workflow (rather than returning) is what lets `govflow replay` find and reset it.
    throw ApplicationFailure.nonRetryable(`governance run failed at ${failed.join('; ')}`, 'TaskFailed', result);
  }
  return result;
}
