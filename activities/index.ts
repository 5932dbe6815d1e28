import { Context } from '@temporalio/activity';
import type { TaskResult } from '../workflow-safe/dag';
import type { RunRef } from '../workflow-safe/run-ref';
import type { ActivityDeps } from './deps';
import { runLedgerActivities } from './run-ledger';
import { classifyStepError } from '../temporal/step-errors';
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
 * What every DAG step shares: its result is stamped with the attempt that produced it (so
 * task_runs shows how often Temporal retried), and permanent database errors are not retried.
 */
// Each step names its own input (all extend RunRef).
function asSteps<T extends Record<string, Step<any>>>(steps: T): T {
  const wrapped: Record<string, Step> = {};
  for (const [name, fn] of Object.entries(steps) as Array<[string, Step]>) {
    wrapped[name] = async (run) => {
      try {
        return { ...(await fn(run)), attempt: Context.current().info.attempt };
      } catch (err) {
        return classifyStepError(err);
      }
    };
  }
  return wrapped as T;
}

/** Every activity the worker registers, bound to the worker's connections and configuration. */
export function createActivities(deps: ActivityDeps) {
  // Planning and each unit are parts of the ingest step, not steps: only the join is stamped as one.
  const { ingestPlan, ingestUnit, ...ingestSteps } = ingestActivities(deps);
  return {
    ingestPlan,
    ingestUnit,
    ...runLedgerActivities(deps),
    ...alertNotifyActivities(deps),
    ...deadlineActivities(deps),
    ...streamActivities(deps),
    ...eraseActivities(deps),
    ...retentionActivities(deps),
    ...dataSubjectRequestActivities(deps),
    ...accessRequestActivities(deps),
    ...lateWindowsActivities(deps),
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
