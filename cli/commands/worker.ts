import type { Command } from '../command';
import { installRuntimeLogging, runWorker } from '../../worker/run-worker';

export const workerCommand: Command = {
  name: 'worker',
  usage: 'worker',
  summary: 'run a worker on the governance task queue (Ctrl-C stops it gracefully)',
  async run({ out }) {
    installRuntimeLogging();
    await runWorker({ log: out });
    return 0;
  },
};
