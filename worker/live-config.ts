import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type ActivityDeps, type GovflowActivities } from '../activities';
import type { RunConfigs } from '../config/deps';
import { ConfigError } from '../config/config-error';
import { loadConfig, sha256Hex, type ConfigIdentity, type GovflowConfig } from '../config/config';

// A worker's config and policy are files a person edits while the worker runs. Each run re-reads
// them at its start (startRun): an edited policy governs the next run, and a run started with
// `govflow run --config X` runs with X or fails at once, saying so. The run's later steps keep
// the config the run started with, even if a newer run has since reloaded another one.

interface Version {
  config: GovflowConfig;
  activities: GovflowActivities;
}

/** Runs remembered with their config; older ones (long finished) fall back to the current one. */
const MAX_RUNS = 1000;

const short = (hash: string) => hash.slice(0, 12);

/** sha256 of a file's text; undefined when it cannot be read (then loadConfig says why). */
async function hashOf(file: string): Promise<string | undefined> {
  try {
    return sha256Hex(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The activities a worker registers, bound to the config each run started with. `log` hears of
 * every reload (one line: the files and their new hashes).
 */
export class LiveConfig implements RunConfigs {
  private current: Version;
  private readonly byRun = new Map<string, Version>();
  private reloading?: Promise<Version>;

  constructor(
    private readonly deps: ActivityDeps,
    private readonly log?: (line: string) => void,
  ) {
    this.current = this.build(deps.config);
  }

  get config(): GovflowConfig {
    return this.current.config;
  }

  private build(config: GovflowConfig): Version {
    return { config, activities: createActivities({ ...this.deps, config, configs: this }) };
  }

  async beginRun(run: { workflowId: string; runId: string }, expected?: ConfigIdentity): Promise<GovflowConfig> {
    const version = await this.refresh();
    if (expected) assertSameConfig(version.config, expected);
    this.byRun.set(`${run.workflowId}/${run.runId}`, version);
    if (this.byRun.size > MAX_RUNS) this.byRun.delete(this.byRun.keys().next().value!);
    return version.config;
  }

  /** One reload at a time: runs starting together read the files once. */
  private refresh(): Promise<Version> {
    this.reloading ??= this.reloadIfChanged().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reloadIfChanged(): Promise<Version> {
    const c = this.current.config;
    const [configHash, policyHash] = await Promise.all([hashOf(c.file), hashOf(c.policy.file)]);
    if (configHash === c.hash && policyHash === c.policy.hash) return this.current;
    let next: GovflowConfig;
    try {
      next = loadConfig(c.file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // The worker keeps its last good config for runs already going; new runs refuse until the
      // file is fixed: running on rules the person believes they replaced would be worse.
      throw ApplicationFailure.nonRetryable(
        `${err.message}\nthe worker's config changed on disk and no longer loads: fix it, then start the run again`,
        'ConfigError',
      );
    }
    this.current = this.build(next);
    this.log?.(
      `govflow worker: reloaded ${next.file} (sha256 ${short(next.hash)}) and policy ${next.policy.file} (sha256 ${short(next.policy.hash)})`,
    );
    return this.current;
  }

  /** The version a call belongs to: its run's, when the first argument names a run this worker started. */
  private versionOf(arg: unknown): Version {
    if (typeof arg === 'object' && arg !== null) {
      const { workflowId, runId } = arg as { workflowId?: unknown; runId?: unknown };
      if (typeof workflowId === 'string' && typeof runId === 'string') {
        const v = this.byRun.get(`${workflowId}/${runId}`);
        if (v) return v;
      }
    }
    return this.current;
  }

  /** What the worker registers: each activity forwards to the version its run started with. */
  activities(): GovflowActivities {
    const out: Record<string, (...args: unknown[]) => unknown> = {};
    for (const name of Object.keys(this.current.activities)) {
      out[name] = (...args) => (this.versionOf(args[0]).activities as unknown as typeof out)[name]!(...args);
    }
    return out as unknown as GovflowActivities;
  }
}

/**
 * Fails when the starter's expected config or policy has other contents than the worker's
 * (compared by sha256: paths differ between machines, contents must not).
 */
export function assertSameConfig(worker: GovflowConfig, expected: ConfigIdentity): void {
  const diffs: string[] = [];
  if (expected.configHash !== worker.hash) {
    diffs.push(`config ${expected.configFile} (sha256 ${short(expected.configHash)}) is not the worker's ${worker.file} (sha256 ${short(worker.hash)})`);
  }
  if (expected.policyHash !== worker.policy.hash) {
    diffs.push(`policy ${expected.policyFile} (sha256 ${short(expected.policyHash)}) is not the worker's ${worker.policy.file} (sha256 ${short(worker.policy.hash)})`);
  }
  if (diffs.length === 0) return;
  throw ApplicationFailure.nonRetryable(
    `the run was refused: ${diffs.join('; ')}. Restart the worker with --config ${expected.configFile}, or start the run without --config to use the worker's`,
    'ConfigMismatch',
  );
}
