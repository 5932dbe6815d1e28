import type { Command } from '../client/command';
import { runWorker } from './run-worker';
import { installRuntime } from '../observability/runtime';

export const workerCommand: Command = {
  name: 'worker',
  usage: 'worker',
  summary: 'run a worker on the governance task queue (Ctrl-C stops it gracefully)',
  async run() {
    // A worker is a service: JSON lines on stdout for a log shipper (GOVFLOW_LOG_FORMAT=text for a terminal).
    const { logger, metrics } = installRuntime({ format: 'json', fd: 1, defaultLevel: 'INFO' });
    await runWorker({ log: (line) => logger.info(line), metrics });
    return 0;
  },
};
