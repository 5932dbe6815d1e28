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
import type { SourceDelivery } from '../lib/source-delivery';

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
      const { sources, ...result } = await step.ingest(c.run);
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
  runId: string;
  status: 'completed' | 'failed';
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
  const run: RunRef = { workflowId, runId, window: resolved.window };
  const { policyHash, config } = await ledger.startRun({ ...run, dag: 'governance', trigger: resolved.trigger, expectedConfig: resolved.expectedConfig });

  markRunStarted(run.window, resolved.trigger);
  const stopDeadlineWatch = watchDeadline(run, resolved.deadlineSeconds);

  const ctx: GovernanceCtx = { run };
  const dag = await runDag('governance', run.window, GOVERNANCE_DAG, ctx, resolved.skipTasks);
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
    ...(ctx.sources ? { sources: ctx.sources } : {}),
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
