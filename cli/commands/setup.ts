import type { Command } from '../command';
import { ensureTemporalCli, temporalCliVersion } from '../temporal-binary';

export const setupCommand: Command = {
  name: 'setup',
  usage: 'setup',
  summary: 'find or build the Temporal CLI and print its path',
  async run({ out, err }) {
    const binary = await ensureTemporalCli(err);
    out(binary);
    err(temporalCliVersion(binary));
    return 0;
  },
};
