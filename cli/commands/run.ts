import { FailureError } from '../errors';
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowClient, type WorkflowHandle } from '@temporalio/client';
import { runActivityLines } from '../ingest-progress';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { governanceRun, type GovernanceResult } from '../../workflows/governance';
import { statusQuery } from '../../workflows/dag-runner';
import type { GovernanceInput } from '../../workflow-safe/run-input';
import { parseWindow, refuseUnfinishedWindow, windowLabel, type Window, type WindowFields } from '../../workflow-safe/window';
import { windowBeforeDataWarning } from '../earliest-data';
import { formatDuration, formatRunSummary } from '../format';
import { stringFlag, UsageError, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { configIdentity, loadConfig, loadEnv, type ConfigIdentity } from '../../config/config';
import { requireWorker } from '../worker-check';

export interface StartRunOptions {
  from?: string;
  to?: string;
  workflowId?: string;
  taskQueue: string;
  trigger?: GovernanceInput['trigger'];
  /** The config the user named: the worker runs with it or the run fails at once, saying so. */
  expectedConfig?: ConfigIdentity;
}

/**
 * The config the user meant, when they named one (`--config X`, or GOVFLOW_CONFIG): loaded and
 * validated here, so a missing file, a YAML error or a bad field fails before anything starts
 * (ConfigError naming file and field). Undefined when none was named: the worker's own is used.
 */
export function expectedConfigOf(file = process.env.GOVFLOW_CONFIG): ConfigIdentity | undefined {
  return file ? configIdentity(loadConfig(file)) : undefined;
}

/** `ran with config … (sha256 …), policy … (sha256 …)`: the summary's line naming what the worker used. */
export function formatConfigUsed(c: ConfigIdentity): string {
  return `  ran with  config ${c.configFile} (sha256 ${c.configHash.slice(0, 12)}), policy ${c.policyFile} (sha256 ${c.policyHash.slice(0, 12)})`;
}

/** Failures that refuse a run before any step (config mismatch, a config that no longer loads). */
const REFUSALS = new Set(['ConfigMismatch', 'ConfigError']);

/** Starts governanceRun; the id names the window so runs sort and read well in the Temporal UI. */
export async function startGovernanceRun(client: Client, o: StartRunOptions): Promise<WorkflowHandle> {
  const input: GovernanceInput = { trigger: o.trigger ?? 'cli' };
  if (o.expectedConfig) input.expectedConfig = o.expectedConfig;
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new UsageError('--from and --to go together: give both, or neither for the last full hour');
    input.window = parseWindow({ start: o.from, end: o.to }, CLI_WINDOW);
  }
  const label = input.window ? windowLabel(input.window) : 'last-hour';
  const workflowId = o.workflowId ?? `governance-${label}-${randomBytes(3).toString('hex')}`;
  return client.workflow.start(governanceRun, { taskQueue: o.taskQueue, workflowId, args: [input] });
}

/**
 * Waits for the run, reporting each task's transitions as they happen (from the `status` query),
 * ingest's progress (with `client`, to decode heartbeat details), and any step that has gone
 * quiet (`stalls`, default `progress`: "no progress for 45 s — is the worker alive?"), and
 * returns the result whether the run completed or failed. A run refused before any step (its
 * config differs from the one asked for) throws an Error carrying the worker's explanation.
 */
export async function waitForRun(
  handle: WorkflowHandle,
  progress?: (line: string) => void,
  client?: WorkflowClient,
  stalls: ((line: string) => void) | undefined = progress,
): Promise<GovernanceResult> {
  const seen = new Map<string, string>();
  let done = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const poll = (async () => {
    while (!done && progress) {
      try {
        const s = await handle.query(statusQuery);
        for (const [id, t] of Object.entries(s.tasks)) {
          if (seen.get(id) !== t.state && t.state !== 'pending') {
            seen.set(id, t.state);
            progress(`  ${id}: ${t.state}${t.durationMs !== undefined ? ` (${formatDuration(t.durationMs)})` : ''}`);
          }
        }
      } catch {
        // The first workflow task may not have run yet; the query works once it has.
      }
      await sleep(500);
    }
  })();
  // Separate from the query loop: a query waits for a worker, a description does not.
  const lastLine = new Map<string, { text: string; at: number; stalled: boolean }>();
  const watch = (async () => {
    while (!done && (progress || stalls)) {
      try {
        for (const line of await runActivityLines(client, handle)) {
          const stalled = line.includes(' — is ');
          const out = stalled ? stalls : progress;
          if (!out) continue;
          const key = line.trim().split(':')[0]!;
          const last = lastLine.get(key);
          // Progress when it changes; a stall when it starts, then every 15 s as it lasts.
          const due = !last || (stalled ? !last.stalled || Date.now() - last.at >= 15_000 : last.text !== line);
          if (!due) continue;
          out(line);
          lastLine.set(key, { text: line, at: Date.now(), stalled });
        }
      } catch {
        // A description can fail while the run closes; the result below says how it ended.
      }
      for (let waited = 0; waited < 2000 && !done; waited += 250) await sleep(250);
    }
  })();
  try {
    return (await handle.result()) as GovernanceResult;
  } catch (err) {
    const details = err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
    if (details && typeof details === 'object' && 'tasks' in details) return details as GovernanceResult;
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      throw new FailureError(`run ${handle.workflowId} was cancelled; its task states: govflow status ${handle.workflowId}`);
    }
    // The refusal comes from startRun (a local activity): find it down the failure's causes.
    for (let c: unknown = err instanceof WorkflowFailedError ? err.cause : undefined; c instanceof Error; c = c.cause) {
      if (c instanceof ApplicationFailure && c.type && REFUSALS.has(c.type)) {
        // One line: a config error lists its fields on lines of their own.
        // The worker's message begins "the run was refused: "; said once here.
        throw new FailureError(`run ${handle.workflowId} refused: ${c.message.replace(/^the run was refused:\s*/, '').replace(/:?\s*\n\s*-?\s*/g, ': ')}`);
      }
    }
    throw err;
  } finally {
    done = true;
    await Promise.all([poll, watch]);
  }
}

/** A window given on the command line is named by its flags in messages. */
export const CLI_WINDOW: WindowFields = { start: '--from', end: '--to' };

/**
 * The window a person asked for with --from/--to, checked: both or neither, ISO-8601 with a zone,
 * end after start, and already ended by `now`. Undefined for neither (the last full hour).
 * Throws UsageError or WindowError (both exit 2).
 */
export function requestedWindow(from: string | undefined, to: string | undefined, now: Date): Window | undefined {
  if (!from && !to) return undefined;
  if (!from || !to) throw new UsageError('--from and --to go together: give both, or neither for the last full hour');
  const window = parseWindow({ start: from, end: to }, CLI_WINDOW);
  refuseUnfinishedWindow(window, now, CLI_WINDOW.end);
  return window;
}

export const runCommand: Command = {
  name: 'run',
  usage: 'run [--from ISO --to ISO] [--json] [--id ID]',
  summary: 'start a governance run and wait for it (default window: the last full hour)',
  options: {
    from: { type: 'string', arg: 'ISO', description: 'window start, ISO-8601 with a zone, e.g. 2026-11-01T10:00:00Z', default: 'the start of the last full hour' },
    to: { type: 'string', arg: 'ISO', description: 'window end (excluded), with a zone; must have passed', default: 'the end of the last full hour' },
    id: { type: 'string', arg: 'ID', description: 'workflow id of the run', default: 'governance-<window>-<random>' },
    json: { type: 'boolean', description: 'print one JSON object instead of progress and a summary' },
  },
  usesDatabase: true,
  async run(ctx) {
    const json = ctx.flags.json === true;
    const window = requestedWindow(stringFlag(ctx, 'from'), stringFlag(ctx, 'to'), new Date());
    const env = loadEnv();
    const expectedConfig = expectedConfigOf();
    const warning = window && (await windowBeforeDataWarning(env.databaseUrl, window));
    if (warning) ctx.err(warning);
    const { client, connection } = await connectClient();
    try {
      await requireWorker(client, env.taskQueue);
      const handle = await startGovernanceRun(client, {
        from: stringFlag(ctx, 'from'),
        to: stringFlag(ctx, 'to'),
        workflowId: stringFlag(ctx, 'id'),
        taskQueue: env.taskQueue,
        expectedConfig,
      });
      if (!json) ctx.err(`started ${handle.workflowId} on task queue "${env.taskQueue}"`);
      // Stalls are told on stderr even with --json: a silent wait is the one thing not to do.
      const result = await waitForRun(handle, json ? undefined : ctx.err, client.workflow, ctx.err);
      const summary = formatRunSummary(result) + (result.config ? `\n${formatConfigUsed(result.config)}` : '');
      ctx.out(json ? JSON.stringify(result, null, 2) : summary);
      return result.status === 'completed' ? 0 : 1;
    } finally {
      await connection.close();
    }
  },
};
