import { userInfo } from 'node:os';
import { sql } from 'kysely';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { stringFlag, UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../../temporal/connection';
import { scheduleSpec } from '../schedules';
import { parseDurationSeconds } from '../../config/duration';
import { loadEnv, type Env } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import { pseudonym } from '../../masking/pseudonym';
import { retentionRun } from '../../workflows/retention';

// `govflow retention run|schedule|hold|release|holds`: purge what the policy's `retention`
// periods say has expired (the retentionRun workflow), on demand or on a Temporal Schedule, and
// legal holds that suspend purging for one person or one source. A subject hold stores the raw
// identifier in govflow.legal_holds only; output names the person by their pseudonym.

const ACTIONS = ['run', 'schedule', 'hold', 'release', 'holds'] as const;
const DEFAULT_SCHEDULE_ID = 'retention';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The hold named by --subject or --source (exactly one). */
function holdTarget(ctx: CommandContext, action: string): { kind: 'subject' | 'source'; value: string } {
  const subject = stringFlag(ctx, 'subject')?.trim();
  const source = stringFlag(ctx, 'source')?.trim();
  if (Boolean(subject) === Boolean(source)) throw new UsageError(`retention ${action} needs exactly one of --subject ID or --source NAME`);
  return subject ? { kind: 'subject', value: subject } : { kind: 'source', value: source! };
}

function describeHold(env: Env, kind: string, value: string): string {
  return kind === 'subject' ? `subject ${pseudonym(value, env.pseudonymKey)}` : `source ${value}`;
}

async function run(ctx: CommandContext, env: Env): Promise<number> {
  const dryRun = ctx.flags['dry-run'] === true;
  const { client, connection } = await connectClient();
  try {
    const workflowId = `retention-${dryRun ? 'dry-run-' : ''}${new Date().toISOString()}`;
    if (ctx.flags.json !== true) ctx.err(`starting ${workflowId}`);
    const result = await client.workflow.execute(retentionRun, { taskQueue: env.taskQueue, workflowId, args: [{ dryRun }] });
    if (ctx.flags.json === true) {
      ctx.out(JSON.stringify(result, null, 2));
      return 0;
    }
    ctx.out(`retention ${dryRun ? 'dry run (nothing deleted)' : 'run'} ${result.runId}`);
    const verb = dryRun ? 'would go' : 'removed';
    for (const c of result.classes) {
      for (const t of c.tables) {
        const parts = t.partitionsRemoved ? ` (${plural(t.partitionsRemoved, 'daily partition')} ${dryRun ? 'to drop' : 'dropped'})` : '';
        const held = t.rowsHeld ? `, ${plural(t.rowsHeld, 'row')} kept by legal hold` : '';
        ctx.out(`  ${c.tableClass.padEnd(16)} ${t.table.padEnd(20)} ${plural(t.rowsRemoved, 'row')} ${verb}${parts}${held}; before ${c.cutoff}`);
      }
    }
    ctx.out('  receipt in govflow.retention_receipts');
    return 0;
  } finally {
    await connection.close();
  }
}

async function schedule(ctx: CommandContext, env: Env): Promise<number> {
  const cron = stringFlag(ctx, 'cron');
  const every = stringFlag(ctx, 'every') ?? (cron ? undefined : '1d');
  let everySeconds: number | undefined;
  try {
    everySeconds = every === undefined ? undefined : parseDurationSeconds(every, '--every');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const scheduleId = ctx.args[1] ?? DEFAULT_SCHEDULE_ID;
  const { client, connection } = await connectClient();
  try {
    await client.schedule.create({
      scheduleId,
      spec: scheduleSpec({ everySeconds, cron, timezone: stringFlag(ctx, 'timezone') }),
      action: { type: 'startWorkflow', workflowType: retentionRun, taskQueue: env.taskQueue, workflowId: scheduleId, args: [{}] },
      // Two purges at once would only compete for the same rows.
      policies: { overlap: 'SKIP' },
    });
    ctx.out(`schedule ${scheduleId}: retentionRun ${every ? `every ${every}` : `on cron "${cron}"`}`);
    return 0;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new UsageError(`schedule ${scheduleId} already exists (govflow schedule delete ${scheduleId} to replace it)`);
    throw err;
  } finally {
    await connection.close();
  }
}

async function holds(ctx: CommandContext, env: Env, action: 'hold' | 'release' | 'holds'): Promise<number> {
  const db = createDb(createPool(env.databaseUrl, 2));
  try {
    if (action === 'holds') {
      const { rows } = await sql<{ id: number; kind: string; value: string; reason: string; placed_by: string; placed_at: Date }>`
        select id, kind, value, reason, placed_by, placed_at from govflow.legal_holds where released_at is null order by id`.execute(db);
      if (rows.length === 0) ctx.out('no legal holds placed with govflow retention hold (the policy may list more)');
      for (const r of rows) ctx.out(`hold ${r.id}: ${describeHold(env, r.kind, r.value)} since ${new Date(r.placed_at).toISOString()} by ${r.placed_by}: ${r.reason}`);
      return 0;
    }
    const target = holdTarget(ctx, action);
    if (action === 'hold') {
      const reason = stringFlag(ctx, 'reason')?.trim();
      if (!reason) throw new UsageError('retention hold needs --reason TEXT (e.g. the case or matter number)');
      const { rows } = await sql<{ id: number }>`
        insert into govflow.legal_holds (kind, value, reason, placed_by)
        values (${target.kind}, ${target.value}, ${reason}, ${stringFlag(ctx, 'by') ?? userInfo().username})
        on conflict (kind, value) where released_at is null do nothing returning id`.execute(db);
      ctx.out(rows[0] ? `hold ${rows[0].id}: ${describeHold(env, target.kind, target.value)} is kept from retention until released`
        : `${describeHold(env, target.kind, target.value)} is already on hold`);
      return 0;
    }
    const r = await sql`
      update govflow.legal_holds set released_at = now()
      where kind = ${target.kind} and value = ${target.value} and released_at is null`.execute(db);
    if (Number(r.numAffectedRows ?? 0) === 0) throw new UsageError(`no hold placed with govflow retention hold on ${describeHold(env, target.kind, target.value)}`);
    ctx.out(`released the hold on ${describeHold(env, target.kind, target.value)}; the next retention run purges its expired rows`);
    return 0;
  } finally {
    await db.destroy();
  }
}

export const retentionCommand: Command = {
  name: 'retention',
  usage: 'retention run [--dry-run] [--json] | schedule [ID] [--every 1d|--cron EXPR] | hold|release --subject ID|--source NAME [--reason TEXT] | holds',
  summary: "purge what is past the policy's retention periods (with a receipt), on a schedule, except what is on legal hold",
  options: {
    'dry-run': { type: 'boolean', description: 'run: print what would go, delete nothing' },
    json: { type: 'boolean', description: 'run, holds: print JSON' },
    every: { type: 'string', arg: 'DURATION', description: 'schedule: how often, e.g. 1d', default: '1d' },
    cron: { type: 'string', arg: 'EXPR', description: 'schedule: a cron expression instead of --every' },
    timezone: { type: 'string', arg: 'ZONE', description: 'schedule: the time zone of --cron, e.g. Europe/Paris', default: 'UTC' },
    subject: { type: 'string', arg: 'ID', description: 'hold, release: the person (data subject) to hold' },
    source: { type: 'string', arg: 'NAME', description: 'hold, release: the configured source to hold' },
    reason: { type: 'string', arg: 'TEXT', description: 'hold: why (required), e.g. a case number' },
    by: { type: 'string', arg: 'NAME', description: 'hold, release: who asks', default: '$USER' },
  },
  usesDatabase: true,
  async run(ctx) {
    const action = ctx.args[0];
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`retention needs an action: ${ACTIONS.join(', ')} (e.g. govflow retention run --dry-run)`);
    }
    const env = loadEnv();
    if (action === 'run') return run(ctx, env);
    if (action === 'schedule') return schedule(ctx, env);
    return holds(ctx, env, action as 'hold' | 'release' | 'holds');
  },
};
