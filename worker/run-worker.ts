import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { connectClient, connectWorkerConnection } from '../client/temporal-connection';
import { dsrScheduleId, ensureDsrSchedule } from '../client/dsr-schedule';
import { createGovflowWorker } from './create-worker';
import { openActivityDeps } from './deps';
import { redactUrl } from '../lib/db';

/**
 * `govflow worker`: polls the governance task queue until SIGINT/SIGTERM, then stops taking new
 * tasks, lets running activities finish (up to the grace time) and closes its connections.
 */
export async function runWorker(opts: { configFile?: string; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((l) => console.log(l));
  const deps = await openActivityDeps(opts.configFile);
  const { connection, namespace, address } = await connectWorkerConnection();
  let worker: Worker | undefined;
  try {
    worker = await createGovflowWorker({ connection, namespace, taskQueue: deps.env.taskQueue, deps, log });
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
      `govflow worker: polling task queue "${deps.env.taskQueue}" on ${address} (namespace ${namespace}); ` +
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
  }
}

/** Quieter SDK logs for CLI use: warnings and errors only, unless GOVFLOW_LOG_LEVEL says otherwise. */
export function installRuntimeLogging(): void {
  const level = (process.env.GOVFLOW_LOG_LEVEL ?? 'WARN').toUpperCase() as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level) });
}
