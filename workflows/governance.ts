import { ApplicationFailure, CancellationScope, executeChild, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { RunStatus, TaskSpec, TaskStatus } from '../workflow-safe/dag';
import type { RunRef } from '../workflow-safe/run-ref';
import { InputError, resolveInput, type GovernanceInput } from '../workflow-safe/run-input';
import { STEP_HEARTBEAT_TIMEOUT } from '../workflow-safe/heartbeat-timeout';
import type { Window } from '../workflow-safe/window';
import { newDagStatus, runDag } from './dag-runner';
import { fanOutIngest } from './ingest-fan-out';
import { inScopes, STEP_OPTIONS } from './regional-steps';
import type { SourceRegions } from '../workflow-safe/source-scope';
import { startEscalations } from './alert-escalation';
import { ledger } from './ledger';
import { markRunFinished, markRunStarted, scheduledStartTime } from './run-search-attributes';
import { watchDeadline } from './deadline-watch';
import { governanceKpis, type GovernanceKpis } from '../workflow-safe/kpis';
import type { ConfigIdentity } from '../config/config';
import type { SourceDelivery } from '../ingest/source-delivery';
import type { LateWindow } from '../activities/late-windows';

const step = proxyActivities<GovflowActivities>(STEP_OPTIONS);

// Sending the reports waits out a mail server that is down for minutes (a restart, a failover):
// 12 attempts back off to one a minute, about 6.5 minutes in all, where the other tasks' 5
// attempts give up after 30 s. The Message-ID is fixed per report, so a retry never reads as a
// second report (npm run chaos: SMTP refusing connections for 60 s, RELIABILITY.md).
const delivery = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
});

/** What the DAG's tasks share: the run, and what ingest learnt about each source. */
interface GovernanceCtx {
  run: RunRef;
  sources?: SourceDelivery[];
  /** Earlier windows that received rows since they were governed (found after ingest). */
  late?: LateWindow[];
  /**
   * Each region's sources (names only), when some source has one: from ingest's result (the
   * configured sources, as the worker that joined ingest read them), or a revision's input.
   * Audit, consent and mask then run per region on its queue (workflows/regional-steps.ts).
   */
  regions?: SourceRegions;
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
      const { sources, regions, ...result } = await fanOutIngest(c.run);
      c.sources = sources;
      if (regions) c.regions = regions;
      // What this ingest (or any since) brought for windows already governed: found here, before
      // the report, so this window's report lists them; re-governed after the DAG.
      if (!c.run.revision) c.late = await findLateWindows(c.run);
      return result;
    },
  },
  { id: 'audit', upstream: ['ingest'], run: (c) => inScopes(c.run, c.regions, (on, input) => on.audit(input)) },
  { id: 'consent', upstream: ['ingest'], run: (c) => inScopes(c.run, c.regions, (on, input) => on.consent(input)) },
  { id: 'mask', upstream: ['consent'], run: (c) => inScopes(c.run, c.regions, (on, input) => on.mask(input)) },
  { id: 'report', upstream: ['audit', 'mask'], after: ['alert'], run: (c) => step.report(c.run) },
  { id: 'email', upstream: ['report'], run: (c) => delivery.emailReport(c.run) },
  { id: 'alert', upstream: ['audit', 'consent'], run: async (c) => startEscalations(c.run, await step.alert(c.run)) },
  // The masked dataset and the reports to object storage; 'skipped' when govflow.yaml has no export target.
  { id: 'export', upstream: ['mask', 'report'], run: (c) => step.exportDataset(c.run) },
];

/** lateWindows, or none when it fails: the next run finds the same windows again. */
async function findLateWindows(run: RunRef): Promise<LateWindow[]> {
  try {
    return await step.lateWindows(run);
  } catch (err) {
    log.warn('late-data check failed; the next run looks again', { error: String(err) });
    return [];
  }
}

/** A window governed again because of late rows, and how its revision run ended. */
export type RevisedWindow = LateWindow & { status: 'completed' | 'failed' };

/**
 * Governs each late window again, one child run after another (each visible in the Temporal UI
 * under this run): the same DAG without ingest, marked as a revision, so its audit, consent,
 * masking, report (marked revised) and alert are redone with the rows that arrived since.
 */
async function regovern(late: LateWindow[], detectedBy: string, input: GovernanceInput, regions: SourceRegions | undefined): Promise<RevisedWindow[]> {
  const out: RevisedWindow[] = [];
  for (const lw of late) {
    try {
      await executeChild(governanceRun, {
        workflowId: lw.revisionWorkflowId,
        args: [{
          window: lw.window, trigger: 'late-data', skipTasks: ['ingest'], revision: { reason: 'late-data', detectedBy },
          ...(input.expectedConfig ? { expectedConfig: input.expectedConfig } : {}),
          ...(input.deadlineSeconds ? { deadlineSeconds: input.deadlineSeconds } : {}),
          ...(regions ? { sourceRegions: regions } : {}),
        }],
      });
      out.push({ ...lw, status: 'completed' });
    } catch (err) {
      log.warn('revision of a late window failed', { window: lw.window, error: String(err) });
      out.push({ ...lw, status: 'failed' });
    }
  }
  return out;
}

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
  /** Earlier windows this run found late rows for and governed again (absent when none). */
  revisedWindows?: RevisedWindow[];
  /** Set when this run itself governed its window again because of late data. */
  revision?: GovernanceInput['revision'];
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
  const run: RunRef = { workflowId, runId: started.runId, window: resolved.window, ...(resolved.revision ? { revision: resolved.revision } : {}) };

  markRunStarted(run.window, resolved.trigger);
  const stopDeadlineWatch = watchDeadline(run, resolved.deadlineSeconds);

  const ctx: GovernanceCtx = { run, ...(resolved.sourceRegions ? { regions: resolved.sourceRegions } : {}) };
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
    ...(resolved.revision ? { revision: resolved.revision } : {}),
  };
  // Late windows are re-governed after this window's own DAG, whatever its outcome: their rows
  // are in the database either way.
  if (ctx.late?.length) result.revisedWindows = await regovern(ctx.late, workflowId, resolved, ctx.regions);
  await ledger.finishRun({ workflowId, runId: run.runId, status: result.status, tasks: dag.tasks, totals: { kpis: result.kpis } });
  markRunFinished(result.kpis.consentViolations);

  if (result.status === 'failed') {
    const failed = Object.entries(dag.tasks).filter(([, t]) => t.state === 'failed').map(([id, t]) => `${id}: ${t.error}`);
    // Failing the workflow (rather than returning) is what lets `govflow replay` find and reset it.
    throw ApplicationFailure.nonRetryable(`governance run failed at ${failed.join('; ')}`, 'TaskFailed', result);
  }
  return result;
}
