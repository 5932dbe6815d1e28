import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { RunStatus, TaskSpec, TaskStatus } from '../workflow-safe/dag';
import type { RunRef } from '../workflow-safe/run-ref';
import { InputError, resolveInput, type GovernanceInput } from '../workflow-safe/run-input';
import type { Window } from '../workflow-safe/window';
import { newDagStatus, runDag } from './dag-runner';
import { fanOutIngest } from './ingest-fan-out';
import { startEscalations } from './alert-escalation';
import { ledger } from './ledger';
import { markRunFinished, markRunStarted, scheduledStartTime } from './run-search-attributes';
import { watchDeadline } from './deadline-watch';
import { governanceKpis, type GovernanceKpis } from '../workflow-safe/kpis';
import type { ConfigIdentity } from '../config/config';
import type { SourceDelivery } from '../ingest/source-delivery';

const step = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** What the DAG's tasks share: the run, and what ingest learnt about each source. */
interface GovernanceCtx {
  run: RunRef;
  sources?: SourceDelivery[];
}

// The governance DAG. Each step reads and writes Postgres; only ids, the window, counts and the
// sources' delivery status (configured names and paths) pass through here.
// The alert needs only the findings (audit) and the consent violations (consent): a failing mask,
// report or email never keeps a window's findings from raising their alert, as in the stream.
// The report waits for the alert (`after`, not `upstream`) so it can show the alert's status, and
// still renders when the alert step failed.
export const GOVERNANCE_DAG: TaskSpec<GovernanceCtx>[] = [
  {
    id: 'ingest',
    upstream: [],
    run: async (c) => {
      const { sources, ...result } = await fanOutIngest(c.run);
      c.sources = sources;
      return result;
    },
  },
  { id: 'audit', upstream: ['ingest'], run: (c) => step.audit(c.run) },
  { id: 'consent', upstream: ['ingest'], run: (c) => step.consent(c.run) },
  { id: 'mask', upstream: ['consent'], run: (c) => step.mask(c.run) },
  { id: 'report', upstream: ['audit', 'mask'], after: ['alert'], run: (c) => step.report(c.run) },
  { id: 'email', upstream: ['report'], run: (c) => step.emailReport(c.run) },
  { id: 'alert', upstream: ['audit', 'consent'], run: async (c) => startEscalations(c.run, await step.alert(c.run)) },
  // The masked dataset and the reports to object storage; 'skipped' when govflow.yaml has no export target.
  { id: 'export', upstream: ['mask', 'report'], run: (c) => step.exportDataset(c.run) },
];

export interface GovernanceResult {
  workflowId: string;
  /** The ledger's run id (StartedRun.runId): Temporal's, unless the run was made by a reset. */
  runId: string;
  status: Exclude<RunStatus, 'running' | 'cancelled'>;
  window: Window;
  trigger: string;
  policyHash: string;
  /** The config and policy files the worker ran with (absent in runs recorded before it was kept). */
  config?: ConfigIdentity;
  tasks: Record<string, TaskStatus>;
  kpis: GovernanceKpis;
  /** What each configured source delivered (absent when ingest did not run, e.g. skipped on replay). */
  sources?: SourceDelivery[];
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
  const started = await ledger.startRun({ workflowId, runId, window: resolved.window, dag: 'governance', trigger: resolved.trigger, expectedConfig: resolved.expectedConfig });
  // The ledger's run id: after a reset (govflow replay), the run reset from (StartedRun.runId).
  const run: RunRef = { workflowId, runId: started.runId, window: resolved.window };

  markRunStarted(run.window, resolved.trigger);
  const stopDeadlineWatch = watchDeadline(run, resolved.deadlineSeconds);

  const ctx: GovernanceCtx = { run };
  const dag = newDagStatus('governance', run.window, GOVERNANCE_DAG, resolved.skipTasks);
  try {
    await runDag(dag, GOVERNANCE_DAG, ctx, (tasks) => ledger.recordTasks({ workflowId, runId: run.runId, tasks }));
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => ledger.finishRun({ workflowId, runId: run.runId, status: 'cancelled', tasks: dag.tasks, totals: {} }));
    }
    throw err;
  }
  stopDeadlineWatch();
  const result: GovernanceResult = {
    workflowId,
    runId: run.runId,
    status: dag.state === 'completed' ? 'completed' : 'failed',
    window: run.window,
    trigger: resolved.trigger,
    policyHash: started.policyHash,
    config: started.config,
    tasks: dag.tasks,
    kpis: governanceKpis(dag.tasks),
    ...(ctx.sources ? { sources: ctx.sources } : {}),
  };
  await ledger.finishRun({ workflowId, runId: run.runId, status: result.status, tasks: dag.tasks, totals: { kpis: result.kpis } });
  markRunFinished(result.kpis.consentViolations);

  if (result.status === 'failed') {
    const failed = Object.entries(dag.tasks).filter(([, t]) => t.state === 'failed').map(([id, t]) => `${id}: ${t.error}`);
    // Failing the workflow (rather than returning) is what lets `govflow replay` find and reset it.
    throw ApplicationFailure.nonRetryable(`governance run failed at ${failed.join('; ')}`, 'TaskFailed', result);
  }
  return result;
}
