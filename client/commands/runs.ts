import { stringFlag, type Command } from '../command';
import { connectClient } from '../temporal-connection';
import { formatRuns, listRuns, RUN_STATUSES } from '../runs';
import { loadEnv } from '../../lib/config';

export const runsCommand: Command = {
  name: 'runs',
  usage: `runs [--status ${RUN_STATUSES.join('|')}] [--query 'VISIBILITY QUERY'] [--limit N] [--json]`,
  summary: "list governance runs from Temporal's visibility (e.g. --status failed, --query 'GovflowViolations > 0')",
  options: { status: { type: 'string' }, query: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
  async run(ctx) {
    const { client, connection, namespace } = await connectClient();
    try {
      // This deployment's runs (its namespace, its task queue) unless --all asks for every one.
      const taskQueue = ctx.flags.all === true ? undefined : loadEnv().taskQueue;
      const rows = await listRuns(client, {
        taskQueue,
        status: stringFlag(ctx, 'status'),
        query: stringFlag(ctx, 'query'),
        limit: stringFlag(ctx, 'limit') ? Number(stringFlag(ctx, 'limit')) : undefined,
      });
      if (ctx.flags.json === true) ctx.out(JSON.stringify(rows, null, 2));
      else {
        ctx.out(formatRuns(rows));
        ctx.err(taskQueue ? `runs on task queue "${taskQueue}" of namespace "${namespace}" (--all: every task queue)` : `runs on every task queue of namespace "${namespace}"`);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
};
