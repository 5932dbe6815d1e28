import { ConfigError } from '../config/config-error';

// How many connections one set-based mask step uses side by side (masking/mask-shards.ts). The
// default is what a small Postgres (two cores, the development machine) has to spare for one
// step; a larger instance takes more, up to the pool the worker opens.

/** Shards when GOVFLOW_MASK_PARALLELISM is not set. */
export const DEFAULT_MASK_PARALLELISM = 1;

/**
 * GOVFLOW_MASK_PARALLELISM: how many connections one mask step uses (1–16, default 2).
 * @throws ConfigError ("environment is invalid", naming the variable) when it is not such a number.
 */
export function maskParallelism(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GOVFLOW_MASK_PARALLELISM;
  if (raw === undefined || raw === '') return DEFAULT_MASK_PARALLELISM;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    throw new ConfigError('environment', [`GOVFLOW_MASK_PARALLELISM: expected a whole number of connections from 1 to 16, got ${JSON.stringify(raw)}`]);
  }
  return n;
}
