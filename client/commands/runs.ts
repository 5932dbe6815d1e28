import { stringFlag, type Command } from '../command';
import { connectClient } from '../temporal-connection';
import { formatRuns, listRuns, RUN_STATUSES } from '../runs';

export const runsCommand: Command = {
  name: 'runs',
  usage: `runs [--status ${RUN_STATUSES.join('|')}] [--query 'VISIBILITY QUERY'] [--limit N] [--json]`,
  summary: "list governance runs from Temporal's visibility (e.g. --status failed, --query 'GovflowViolations > 0')",
  options: { status: { type: 'string' }, query: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    const { client, connection } = await connectClient();
    try {
      const rows = await listRuns(client, {
        status: stringFlag(ctx, 'status'),
        query: stringFlag(ctx, 'query'),
        limit: stringFlag(ctx, 'limit') ? Number(stringFlag(ctx, 'limit')) : undefined,
      });
      ctx.out(ctx.flags.json === true ? JSON.stringify(rows, null, 2) : formatRuns(rows));
      return 0;
    } finally {
      await connection.close();
    }
  },
};
