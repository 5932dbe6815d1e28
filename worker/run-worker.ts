import type { Worker } from '@temporalio/worker';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { dsrScheduleId, ensureDsrSchedule } from '../temporal/dsr-schedule';
import { createGovflowWorker } from './create-worker';
import { openActivityDeps } from './deps';
import { redactUrl } from '../db/pool';
import { regionQueue } from '../workflow-safe/region-queue';
import { installRuntime, type MetricsSettings } from '../observability/runtime';
import { registerDatabaseGauges, startMetricsServer } from '../observability/metrics';
import { stopTracing } from '../observability/tracing';

/**
 * `govflow worker`: polls the governance task queue until SIGINT/SIGTERM, then stops taking new
 * tasks, lets running activities finish (up to the grace time) and closes its connections.
 */
export async function runWorker(opts: { configFile?: string; log?: (line: string) => void; region?: string; metrics?: MetricsSettings } = {}): Promise<void> {
  const log = opts.log ?? ((l) => console.log(l));
  const deps = await openActivityDeps(opts.configFile);
  const { connection, namespace, address } = await connectWorkerConnection();
  let worker: Worker | undefined;
  try {
    if (opts.metrics?.port !== undefined) {
      registerDatabaseGauges((text) => deps.pool.query(text));
      const sdk = opts.metrics.sdkPort !== undefined ? `http://127.0.0.1:${opts.metrics.sdkPort}/metrics` : undefined;
      const { port } = await startMetricsServer({ port: opts.metrics.port, sdkMetricsUrl: sdk });
      log(`govflow worker: Prometheus metrics on http://0.0.0.0:${port}/metrics`);
    }
    // A regional worker takes only its region's activities: the workflows run on the default queue.
    const taskQueue = opts.region ? regionQueue(deps.env.taskQueue, opts.region) : deps.env.taskQueue;
    worker = await createGovflowWorker({ connection, namespace, taskQueue, deps, log, activitiesOnly: !!opts.region });
    // Data-subject requests are answered by a schedule this worker serves: make sure it exists.
    // A namespace that refuses (no permission to create schedules) does not stop the worker.
    try {
      const scheduler = await connectClient(address);
      try {
        if (await ensureDsrSchedule(scheduler.client, deps.env.taskQueue)) log(`govflow worker: created schedule ${dsrScheduleId(deps.env.taskQueue)} (data-subject requests, hourly)`);
      } finally {
        await scheduler.connection.close();
      }
    } catch (err) {
      log(`govflow worker: could not ensure schedule ${dsrScheduleId(deps.env.taskQueue)} (${(err as Error).message}); erasures wait for "govflow dsr run" or "govflow dsr schedule"`);
    }
    log(
      `govflow worker: polling task queue "${taskQueue}"${opts.region ? ` (region ${opts.region}: its sources' activities only)` : ''} on ${address} (namespace ${namespace}); ` +
        `database ${redactUrl(deps.env.databaseUrl)}; config ${deps.config.file}; policy ${deps.config.policy.file} ` +
        `(sha256 ${deps.config.policy.hash.slice(0, 12)}; re-read at each run's start when changed); Ctrl-C to stop`,
    );
    // Worker.run() resolves once a shutdown signal (SIGINT, SIGTERM, …) has drained the worker:
    // the SDK installs those handlers itself.
    await worker.run();
    log('govflow worker: stopped cleanly');
  } finally {
    await connection.close();
    await deps.db.destroy();
    await stopTracing();
  }
}

/**
 * The Runtime for `govflow dev`: text log lines on stderr (stdout is the command's own output),
 * warnings and errors only unless GOVFLOW_LOG_LEVEL / GOVFLOW_LOG_FORMAT say otherwise.
 */
export function installRuntimeLogging(): void {
  installRuntime({ format: 'text', fd: 2, defaultLevel: 'WARN' });
}
