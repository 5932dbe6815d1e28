import { ConfigError } from '../config/config-error';

// How many connections one set-based mask step uses side by side (masking/mask-shards.ts). The
// default is what a small Postgres (two cores, the development machine) has to spare for one
// step; a larger instance takes more, up to the pool the worker opens.

/** Shards when GOVFLOW_MASK_PARALLELISM is not set. */
export const DEFAULT_MASK_PARALLELISM = 1;

/**
 * GOVFLOW_MASK_PARALLELISM: how many connections one mask step uses (1–16, default 1).
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

/**
 * Worker threads when GOVFLOW_MASK_THREADS is not set: none. Measured over a day of a million
 * events (bench/README.md, "Mask"), the step's JavaScript is now a fifth of its time and threads
 * gained nothing there while adding ~40 MB; they pay where free text is dense in personal data
 * (every detector runs on every value) and the worker has cores to spare.
 */
export const defaultMaskThreads = () => 0;

/**
 * GOVFLOW_MASK_THREADS: worker threads one mask step masks distinct values on, beside its own
 * (masking/mask-threads.ts; 0–16, 0 for none; default defaultMaskThreads()).
 * @throws ConfigError ("environment is invalid", naming the variable) when it is not such a number.
 */
export function maskThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GOVFLOW_MASK_THREADS;
  if (raw === undefined || raw === '') return defaultMaskThreads();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 16) {
    throw new ConfigError('environment', [`GOVFLOW_MASK_THREADS: expected a whole number of threads from 0 to 16, got ${JSON.stringify(raw)}`]);
  }
  return n;
}
