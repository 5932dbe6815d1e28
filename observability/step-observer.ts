import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { recordStep, stepDuration } from './metrics';

// Watches every activity the worker runs, without any activity knowing: times it, feeds its
// returned counts to the domain metrics (observability/metrics.ts) and logs one line when it ends
// through the activity's context logger, which stamps workflowId, runId, workflowType,
// activityType (the DAG step) and attempt on it. The line carries counts and the duration only:
// counts are numbers by architecture rule 1, so no personal data can ride along.

/**
 * The DAG task an activity is, where the names differ: the ingest task fans out into ingestPlan,
 * one ingestUnit per file and ingestFinish, whose result is the task's joined counts.
 */
const TASK_OF: Record<string, string> = { ingestFinish: 'ingest' };

class StepObserver implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const step = TASK_OF[this.ctx.info.activityType] ?? this.ctx.info.activityType;
    const end = stepDuration.startTimer({ step });
    const started = performance.now();
    try {
      const result = await next(input);
      end({ outcome: 'completed' });
      recordStep(step, result);
      const counts = (result as { counts?: Record<string, number> } | undefined)?.counts;
      this.ctx.log.info('step completed', { step, durationMs: Math.round(performance.now() - started), ...(counts ? { counts } : {}) });
      return result;
    } catch (err) {
      end({ outcome: 'failed' });
      // The error's type only: a driver's message can quote a value; the SDK's own "Activity
      // failed" line carries the message for those who need it.
      this.ctx.log.warn('step failed', { step, durationMs: Math.round(performance.now() - started), errorType: (err as Error)?.name ?? typeof err });
      throw err;
    }
  }
}

/** For `Worker.create({ interceptors: { activity: [observeSteps] } })`. */
export const observeSteps: ActivityInterceptorsFactory = (ctx) => ({ inbound: new StepObserver(ctx) });
