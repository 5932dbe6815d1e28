import { intFlag, stringFlag, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { formatRuns, listRuns, RUN_STATUSES } from '../runs';
import { loadEnv } from '../../config/config';

export const runsCommand: Command = {
  name: 'runs',
  usage: `runs [--status ${RUN_STATUSES.join('|')}] [--query 'VISIBILITY QUERY'] [--limit N] [--all] [--json]`,
  summary: "list governance runs from Temporal's visibility (e.g. --status failed, --query 'GovflowViolations > 0')",
  options: {
    status: { type: 'string', values: RUN_STATUSES, description: 'only runs in this state' },
    query: { type: 'string', arg: 'QUERY', description: "a Temporal visibility query, e.g. 'GovflowViolations > 0'" },
    limit: { type: 'string', arg: 'N', integer: { min: 1 }, description: 'at most N runs, newest first', default: '100' },
    json: { type: 'boolean', description: 'print JSON' },
    all: { type: 'boolean', description: "every task queue of the namespace, not only this deployment's (GOVFLOW_TASK_QUEUE)" },
  },
  async run(ctx) {
    const { client, connection, namespace } = await connectClient();
    try {
      // This deployment's runs (its namespace, its task queue) unless --all asks for every one.
      const taskQueue = ctx.flags.all === true ? undefined : loadEnv().taskQueue;
      const rows = await listRuns(client, {
        taskQueue,
        status: stringFlag(ctx, 'status'),
        query: stringFlag(ctx, 'query'),
        limit: intFlag(ctx, 'limit'),
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
