import type { Command } from '../command';
import { stringFlag, UsageError } from '../command';
import { runWorker } from '../../worker/run-worker';
import { installRuntime } from '../../observability/runtime';

const REGION = /^[a-z0-9][a-z0-9-]*$/;

export const workerCommand: Command = {
  name: 'worker',
  usage: 'worker [--region REGION]',
  summary: 'run a worker on the governance task queue (Ctrl-C stops it gracefully)',
  details: [
    'With --region the worker polls only that region\'s queue (governance-REGION): the ingest, audit,',
    'consent and masking of the sources configured with that region, and nothing else. Run at least one',
    'worker without --region for the workflows and the sources without a region.',
  ],
  options: {
    region: { type: 'string', arg: 'REGION', description: 'poll only the task queue of this region (e.g. eu-west-1), for its sources\' data' },
  },
  async run(ctx) {
    const region = stringFlag(ctx, 'region');
    if (region !== undefined && !REGION.test(region)) throw new UsageError(`--region: expected a region name of lower-case letters, digits and -, e.g. eu-west-1 (got "${region}")`);
    // A worker is a service: JSON lines on stdout for a log shipper (GOVFLOW_LOG_FORMAT=text for a terminal).
    const { logger, metrics } = installRuntime({ format: 'json', fd: 1, defaultLevel: 'INFO' });
    await runWorker({ log: (line) => logger.info(line), region, metrics });
    return 0;
  },
};
