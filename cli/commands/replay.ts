import { stringFlag, UsageError, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { replayRun, type ReplayMode } from '../replay';
import { waitForRun } from './run';
import { formatRunSummary } from '../format';
import { loadConfig, loadEnv } from '../../config/config';
import { sourceRegions, type SourceRegions } from '../../workflow-safe/source-scope';
import { createDb, createPool } from '../../db/pool';

const MODES: ReplayMode[] = ['auto', 'reset', 'new-run'];

/**
 * Each region's sources per the config `govflow run` would use, for a new run that skips ingest;
 * none when that config cannot be read here (the new run's steps then run unscoped, README "Regions").
 */
function configuredRegions(): SourceRegions | undefined {
  try {
    return sourceRegions(loadConfig().sources);
  } catch {
    return undefined;
  }
}

export const replayCommand: Command = {
  name: 'replay',
  usage: 'replay <workflowId> [--mode auto|reset|new-run] [--no-wait] [--json]',
  summary: 'resume a failed run from its failed task (Temporal reset; else a new run skipping succeeded tasks)',
  options: {
    mode: { type: 'string', values: MODES, description: 'reset the failed run, start a new run skipping succeeded tasks, or choose', default: 'auto' },
    'no-wait': { type: 'boolean', description: 'return once the run is resumed, without waiting for it' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const workflowId = ctx.args[0];
    if (!workflowId) throw new UsageError('replay needs a workflow id; list failed runs with: govflow runs --status failed');
    const mode = (stringFlag(ctx, 'mode') ?? 'auto') as ReplayMode;
    const env = loadEnv();
    const { client, connection } = await connectClient();
    const db = createDb(createPool(env.databaseUrl, 2));
    try {
      const outcome = await replayRun(client, db, workflowId, { mode, taskQueue: env.taskQueue, sourceRegions: configuredRegions() });
      if (!ctx.flags.json) {
        ctx.err(
          outcome.mode === 'reset'
            ? `reset ${workflowId}: run ${outcome.runId} resumes at ${outcome.tasks.join(', ')}; tasks before it are kept, not repeated`
            : `new run ${outcome.runId} of ${workflowId}${outcome.reason ? ` (${outcome.reason})` : ''}, skipping ${outcome.tasks.join(', ') || 'nothing'}`,
        );
      }
      if (ctx.flags['no-wait'] === true) {
        if (ctx.flags.json) ctx.out(JSON.stringify(outcome, null, 2));
        return 0;
      }
      const result = await waitForRun(client.workflow.getHandle(workflowId, outcome.runId), ctx.flags.json ? undefined : ctx.err);
      ctx.out(ctx.flags.json ? JSON.stringify({ ...outcome, result }, null, 2) : formatRunSummary(result));
      return result.status === 'completed' ? 0 : 1;
    } finally {
      await connection.close();
      await db.destroy();
    }
  },
};
