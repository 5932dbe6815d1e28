import { intFlag, stringFlag, type Command } from '../command';
import { connectClient } from '../temporal-connection';
import { formatRuns, listRuns, RUN_STATUSES } from '../runs';

export const runsCommand: Command = {
  name: 'runs',
  usage: `runs [--status ${RUN_STATUSES.join('|')}] [--query 'VISIBILITY QUERY'] [--limit N] [--json]`,
  summary: "list governance runs from Temporal's visibility (e.g. --status failed, --query 'GovflowViolations > 0')",
  options: {
    status: { type: 'string', values: RUN_STATUSES, description: 'only runs in this state' },
    query: { type: 'string', arg: 'QUERY', description: "a Temporal visibility query, e.g. 'GovflowViolations > 0'" },
    limit: { type: 'string', arg: 'N', integer: { min: 1 }, description: 'at most N runs, newest first', default: '100' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run(ctx) {
    const { client, connection } = await connectClient();
    try {
      const rows = await listRuns(client, {
        status: stringFlag(ctx, 'status'),
        query: stringFlag(ctx, 'query'),
        limit: intFlag(ctx, 'limit'),
      });
      ctx.out(ctx.flags.json === true ? JSON.stringify(rows, null, 2) : formatRuns(rows));
      return 0;
    } finally {
      await connection.close();
    }
  },
};
