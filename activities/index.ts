import { Context } from '@temporalio/activity';
import type { TaskResult } from '../workflow-safe/dag';
import type { RunRef } from '../workflow-safe/run-ref';
import type { ActivityDeps } from './deps';
import { runLedgerActivities } from './run-ledger';
import { classifyStepError } from '../temporal/step-errors';
import { keepAlive } from '../temporal/heartbeat';
import { ingestActivities } from './ingest';
import { auditActivities } from './audit';
import { consentActivities } from './consent';
import { maskActivities } from './mask';
import { reportActivities } from './report';
import { alertActivities } from './alert';
import { emailActivities } from './email-report';
import { alertNotifyActivities } from './alert-notify';
import { deadlineActivities } from './deadline';
import { streamActivities } from './stream';
import { eraseActivities } from './erase';
import { retentionActivities } from './retention';
import { dataSubjectRequestActivities } from './data-subject-requests';
import { accessRequestActivities } from './access-request';
import { exportActivities } from './export';
import { lateWindowsActivities } from './late-windows';

/** A step takes its run (some, like ingestFinish, with more beside it) and returns counts. */
type Step<In extends RunRef = RunRef> = (run: In) => Promise<TaskResult>;

/**
 * What every DAG step shares: it heartbeats every few seconds while it runs (keepAlive: the steps'
 * 30-second heartbeat timeout is how soon a killed worker's step is retried elsewhere), its result
 * is stamped with the attempt that produced it (so task_runs shows how often Temporal retried),
 * and permanent database errors are not retried.
 */
// Each step names its own input (all extend RunRef).
function asSteps<T extends Record<string, Step<any>>>(steps: T): T {
  const wrapped: Record<string, Step> = {};
  for (const [name, fn] of Object.entries(steps) as Array<[string, Step]>) {
    wrapped[name] = async (run) => {
      try {
        return { ...(await keepAlive(() => fn(run))), attempt: Context.current().info.attempt };
      } catch (err) {
        return classifyStepError(err);
      }
    };
  }
  return wrapped as T;
}

/**
 * Activities that are not DAG steps but run under a step's heartbeat timeout (ingest's parts, the
 * late-data check) or wait on SMTP and webhooks (the alert escalation's): each heartbeats while it
 * runs, as asSteps' do.
 */
function keptAlive<T extends Record<string, (...args: any[]) => Promise<unknown>>>(fns: T): T {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(fns)) wrapped[name] = (...args) => keepAlive(() => fn(...args));
  return wrapped as T;
}

/** Every activity the worker registers, bound to the worker's connections and configuration. */
export function createActivities(deps: ActivityDeps) {
  // Planning and each unit are parts of the ingest step, not steps: only the join is stamped as one.
  const { ingestPlan, ingestUnit, ...ingestSteps } = ingestActivities(deps);
  return {
    ...keptAlive({ ingestPlan, ingestUnit, ...alertNotifyActivities(deps), ...lateWindowsActivities(deps) }),
    ...runLedgerActivities(deps),
    ...deadlineActivities(deps),
    ...streamActivities(deps),
    ...eraseActivities(deps),
    ...retentionActivities(deps),
    ...dataSubjectRequestActivities(deps),
    ...accessRequestActivities(deps),
    ...asSteps({
      ...ingestSteps,
      ...auditActivities(deps),
      ...consentActivities(deps),
      ...maskActivities(deps),
      ...reportActivities(deps),
      ...alertActivities(deps),
      ...emailActivities(deps),
      ...exportActivities(deps),
    }),
  };
}

export type GovflowActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
