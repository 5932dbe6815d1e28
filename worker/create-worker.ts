import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { LiveConfig } from './live-config';
import { payloadDataConverter } from '../temporal/payload-codec';
import { observeSteps } from '../observability/step-observer';
import { tracingPlugin } from '../observability/tracing';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface GovflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one and share it); otherwise the workflows are bundled now. */
  workflowBundle?: WorkflowBundle;
  /** Polls for activities only (a regional worker): no workflows are bundled or run. */
  activitiesOnly?: boolean;
  /** Hears the worker's own news (a config or policy reloaded). */
  log?: (line: string) => void;
}

/** One worker polls the governance task queue for both workflow and activity tasks (a regional one, activities only). */
export async function createGovflowWorker(o: GovflowWorkerOptions): Promise<Worker> {
  // Traces only when an OTLP endpoint is configured (observability/tracing.ts).
  const tracing = tracingPlugin({ serviceName: 'govflow-worker' });
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.activitiesOnly ? {} : o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Config and policy are re-read at each run's start when their files changed (live-config.ts).
    activities: new LiveConfig(o.deps, o.log).activities(),
    // Payloads are encrypted when GOVFLOW_PAYLOAD_KEY is set (temporal/payload-codec.ts).
    dataConverter: payloadDataConverter(o.deps.env.payloadKey),
    // The worker has 2 cores on a typical box: a few concurrent steps keep Postgres busy without
    // starving the workflow thread.
    maxConcurrentActivityTaskExecutions: 8,
    // Heartbeats carry ingest's progress to `govflow run`: send them often enough to watch.
    maxHeartbeatThrottleInterval: '2 seconds',
    // Step metrics and one log line per finished step (observability/step-observer.ts).
    interceptors: { activity: [observeSteps] },
    ...(tracing ? { plugins: [tracing] } : {}),
  });
}
