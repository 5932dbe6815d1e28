import { Context } from '@temporalio/activity';
import type { TaskResult } from '../lib/dag';
import type { RunRef } from '../lib/run-ref';
import type { ActivityDeps } from './deps';
import { runLedgerActivities } from './run-ledger';
import { classifyStepError } from './step-errors';
import { ingestActivities } from './ingest';
import { auditActivities } from './audit';
import { consentActivities } from './consent';
import { maskActivities } from './mask';
import { reportActivities } from './report';
import { alertActivities } from './alert';
import { emailActivities } from './email-report';
import { alertNotifyActivities } from './alert-notify';
import { deadlineActivities } from './deadline';
import { streamActivities } from './stream/pull';
import { eraseActivities } from './erase';
import { retentionActivities } from './retention';
import { lateWindowsActivities } from './late-windows';

type Step = (run: RunRef) => Promise<TaskResult>;

/**
 * What every DAG step shares: its result is stamped with the attempt that produced it (so
 * task_runs shows how often Temporal retried), and permanent database errors are not retried.
 */
function asSteps<T extends Record<string, Step>>(steps: T): T {
  const wrapped: Record<string, Step> = {};
  for (const [name, fn] of Object.entries(steps)) {
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
  return {
    ...runLedgerActivities(deps),
    ...alertNotifyActivities(deps),
    ...deadlineActivities(deps),
    ...streamActivities(deps),
    ...eraseActivities(deps),
    ...retentionActivities(deps),
    ...lateWindowsActivities(deps),
    ...asSteps({
      ...ingestActivities(deps),
      ...auditActivities(deps),
      ...consentActivities(deps),
      ...maskActivities(deps),
      ...reportActivities(deps),
      ...alertActivities(deps),
      ...emailActivities(deps),
    }),
  };
}

export type GovflowActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
