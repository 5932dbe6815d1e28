import { randomBytes } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowClient, type WorkflowHandle } from '@temporalio/client';
import { formatIngestProgress, pendingIngestProgress } from '../ingest-progress';
import { ApplicationFailure } from '@temporalio/common';
import type { GovernanceResult } from '../../workflows/governance';
import type { DagStatus } from '../../workflows/dag-runner';
import type { GovernanceInput } from '../../lib/run-input';
import { parseWindow, refuseUnfinishedWindow, windowLabel, type Window, type WindowFields } from '../../lib/window';
import { windowBeforeDataWarning } from '../earliest-data';
import { formatDuration, formatRunSummary } from '../format';
import { stringFlag, UsageError, type Command } from '../command';
import { connectClient } from '../temporal-connection';
import { loadEnv } from '../../lib/config';

export interface StartRunOptions {
  from?: string;
  to?: string;
  workflowId?: string;
  taskQueue: string;
  trigger?: GovernanceInput['trigger'];
}

/** Starts governanceRun; the id names the window so runs sort and read well in the Temporal UI. */
export async function startGovernanceRun(client: Client, o: StartRunOptions): Promise<WorkflowHandle> {
  const input: GovernanceInput = { trigger: o.trigger ?? 'cli' };
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new UsageError('--from and --to go together: give both, or neither for the last full hour');
    input.window = parseWindow({ start: o.from, end: o.to }, CLI_WINDOW);
  }
  const label = input.window ? windowLabel(input.window) : 'last-hour';
  const workflowId = o.workflowId ?? `governance-${label}-${randomBytes(3).toString('hex')}`;
  return client.workflow.start('governanceRun', { taskQueue: o.taskQueue, workflowId, args: [input] });
}

/**
 * Waits for the run, reporting each task's transitions as they happen (from the `status` query),
 * and returns the result whether the run completed or failed.
 */
export async function waitForRun(
  handle: WorkflowHandle,
  progress?: (line: string) => void,
  client?: WorkflowClient,
): Promise<GovernanceResult> {
  const seen = new Map<string, string>();
  let done = false;
  let lastIngestLine = '';
  let lastIngestAt = 0;
  const poll = (async () => {
    while (!done && progress) {
      try {
        const s = await handle.query<DagStatus>('status');
        for (const [id, t] of Object.entries(s.tasks)) {
          if (seen.get(id) !== t.state && t.state !== 'pending') {
            seen.set(id, t.state);
            progress(`  ${id}: ${t.state}${t.durationMs !== undefined ? ` (${formatDuration(t.durationMs)})` : ''}`);
          }
        }
        if (client && s.tasks.ingest?.state === 'running' && Date.now() - lastIngestAt > 2000) {
          const p = await pendingIngestProgress(client, handle);
          const line = p ? formatIngestProgress(p) : '';
          if (line && line !== lastIngestLine) {
            progress(line);
            lastIngestLine = line;
            lastIngestAt = Date.now();
          }
        }
      } catch {
        // The first workflow task may not have run yet; the query works once it has.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  try {
    return (await handle.result()) as GovernanceResult;
  } catch (err) {
    const details = err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
    if (details && typeof details === 'object' && 'tasks' in details) return details as GovernanceResult;
    throw err;
  } finally {
    done = true;
    await poll;
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
    const warning = window && (await windowBeforeDataWarning(env.databaseUrl, window));
    if (warning) ctx.err(warning);
    const { client, connection } = await connectClient();
    try {
      const handle = await startGovernanceRun(client, {
        from: stringFlag(ctx, 'from'),
        to: stringFlag(ctx, 'to'),
        workflowId: stringFlag(ctx, 'id'),
        taskQueue: env.taskQueue,
      });
      if (!json) ctx.err(`started ${handle.workflowId} on task queue "${env.taskQueue}"`);
      const result = await waitForRun(handle, json ? undefined : ctx.err, client.workflow);
      ctx.out(json ? JSON.stringify(result, null, 2) : formatRunSummary(result));
      return result.status === 'completed' ? 0 : 1;
    } finally {
      await connection.close();
    }
  },
};
