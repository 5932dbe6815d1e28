import { WorkflowNotFoundError } from '@temporalio/client';
import { intFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../../temporal/connection';
import { loadEnv } from '../../config/config';
import { createDb, createPool, type Db } from '../../db/pool';
import { acknowledgeAlertRow, getAlert, listAlerts, type AlertRow } from '../../reporting/alerts/alert-store';
import { escalationWorkflowId } from '../../workflow-safe/alert-ids';
import { acknowledgeUpdate, type AckResult } from '../../workflows/alert-escalation';
import { userInfo } from 'node:os';

// `govflow alerts list` and `govflow alerts ack <id>`. Acknowledging goes through the alert's
// escalation workflow (an update, so the answer says what was recorded), which stops its
// escalation timer; an alert without a running workflow is acknowledged in Postgres directly.

const STATUSES = ['open', 'acknowledged', 'resolved', 'all'] as const;

function formatAlerts(rows: AlertRow[]): string {
  if (rows.length === 0) return 'no alerts';
  const lines = rows.map((a) => {
    const state = a.status === 'acknowledged' ? `acknowledged by ${a.acknowledged_by}` : a.escalated_at ? `${a.status}, ESCALATED` : a.status;
    return `#${String(a.id).padEnd(5)} ${a.severity.padEnd(8)} ${state.padEnd(28)} seen ${String(a.occurrences).padStart(3)}x  ${a.title}`;
  });
  return ['id     severity status                       occurrences  title', ...lines].join('\n');
}

async function list(ctx: CommandContext, db: Db): Promise<number> {
  const status = stringFlag(ctx, 'status') ?? 'open';
  const rows = await listAlerts(db, status === 'all' ? undefined : status, intFlag(ctx, 'limit') ?? 50);
  ctx.out(ctx.flags.json === true ? JSON.stringify(rows, null, 2) : formatAlerts(rows));
  return 0;
}

async function ack(ctx: CommandContext, db: Db): Promise<number> {
  const id = Number(ctx.args[1]);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError('give the alert id to acknowledge, e.g. govflow alerts ack 12 (see govflow alerts list)');
  const alert = await getAlert(db, id);
  if (!alert) {
    ctx.err(`govflow: there is no alert #${id} (see govflow alerts list --status all)`);
    return 1;
  }
  const by = stringFlag(ctx, 'by') ?? process.env.USER ?? userInfo().username;
  const { client, connection } = await connectClient();
  let result: AckResult;
  try {
    const handle = client.workflow.getHandle(escalationWorkflowId(alert.uid));
    try {
      const running = (await handle.describe()).status.name === 'RUNNING';
      if (!running) throw new WorkflowNotFoundError('closed', handle.workflowId, undefined);
      result = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by }] });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const row = await acknowledgeAlertRow(db, id, by);
      result = { alertId: id, status: row?.status ?? 'missing', acknowledgedBy: row?.acknowledged_by ?? null };
    }
  } finally {
    await connection.close();
  }
  ctx.out(ctx.flags.json === true ? JSON.stringify(result) : `alert #${id}: ${result.status}${result.acknowledgedBy ? ` by ${result.acknowledgedBy}` : ''}`);
  return 0;
}

export const alertsCommand: Command = {
  name: 'alerts',
  usage: 'alerts list [--status open|acknowledged|resolved|all] [--json] | alerts ack <id> [--by NAME]',
  summary: 'list non-compliance alerts, or acknowledge one (stops its escalation)',
  options: {
    status: { type: 'string', values: STATUSES, description: 'list: which alerts', default: 'open' },
    limit: { type: 'string', arg: 'N', integer: { min: 1 }, description: 'list: at most N alerts, newest first', default: '50' },
    by: { type: 'string', arg: 'NAME', description: 'ack: who acknowledges', default: '$USER' },
    json: { type: 'boolean', description: 'print JSON instead of a table' },
  },
  usesDatabase: true,
  async run(ctx) {
    const sub = ctx.args[0] ?? 'list';
    if (sub !== 'list' && sub !== 'ack') throw new UsageError(`unknown alerts sub-command "${sub}"; expected list or ack`);
    const db = createDb(createPool(loadEnv().databaseUrl, 1));
    try {
      return sub === 'list' ? await list(ctx, db) : await ack(ctx, db);
    } finally {
      await db.destroy();
    }
  },
};
