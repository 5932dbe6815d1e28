import type { Client, ScheduleDescription } from '@temporalio/client';
import { stringFlag, UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../temporal-connection';
import { backfillSchedule, createSchedule, parseOverlap, scheduleWindowSeconds, updateSchedule, type ScheduleSettings } from '../schedules';
import { formatSeconds, parseDurationSeconds } from '../../lib/duration';
import { parseWindow } from '../../lib/window';
import { loadEnv } from '../../lib/config';
import { createDb, createPool } from '../../lib/db';

// `govflow schedule <action> <id>`: Temporal Schedules that start governanceRun, one run per window.

const ACTIONS = ['create', 'update', 'describe', 'list', 'pause', 'unpause', 'trigger', 'backfill', 'delete'] as const;

function duration(ctx: CommandContext, flag: string): number | undefined {
  const v = stringFlag(ctx, flag);
  if (v === undefined) return undefined;
  try {
    return parseDurationSeconds(v, `--${flag}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function settings(ctx: CommandContext): ScheduleSettings {
  const overlap = stringFlag(ctx, 'overlap');
  return {
    everySeconds: duration(ctx, 'every'),
    cron: stringFlag(ctx, 'cron'),
    timezone: stringFlag(ctx, 'timezone'),
    overlap: overlap ? parseOverlap(overlap) : undefined,
    catchupWindowSeconds: duration(ctx, 'catchup-window'),
    windowSeconds: duration(ctx, 'window'),
    deadlineSeconds: duration(ctx, 'deadline'),
    note: stringFlag(ctx, 'note'),
    paused: ctx.flags.paused === true ? true : undefined,
  };
}

interface CalendarRange {
  start: number | string;
  end: number | string;
  step: number;
}

// Temporal describes a cron schedule as calendar ranges; people read it back as cron.
const FULL: Record<string, [number | string, number | string]> = {
  minute: [0, 59], hour: [0, 23], dayOfMonth: [1, 31], month: ['JANUARY', 'DECEMBER'], dayOfWeek: ['SUNDAY', 'SATURDAY'],
};

function calendarAsCron(c: Record<string, CalendarRange[]>): string {
  const short = (v: number | string) => (typeof v === 'string' ? v.slice(0, 3) : String(v));
  const field = (name: string) => {
    const ranges = c[name] ?? [];
    const [lo, hi] = FULL[name]!;
    if (ranges.length === 0 || (ranges.length === 1 && ranges[0]!.start === lo && ranges[0]!.end === hi && ranges[0]!.step <= 1)) return '*';
    return ranges
      .map((r) => `${r.start === r.end ? short(r.start) : `${short(r.start)}-${short(r.end)}`}${r.step > 1 ? `/${r.step}` : ''}`)
      .join(',');
  };
  return ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'].map(field).join(' ');
}

export function describeSchedule(d: ScheduleDescription): string[] {
  const timing = [
    ...(d.spec.intervals ?? []).map((i) => `every ${formatSeconds(Number(i.every) / 1000)}`),
    ...(d.spec.calendars ?? []).map((c) => `calendar "${calendarAsCron(c as unknown as Record<string, CalendarRange[]>)}"`),
  ].join(', ');
  return [
    `schedule ${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (note: ${d.state.note})` : ''}`,
    `  runs        ${timing}${d.spec.timezone ? ` (${d.spec.timezone})` : ' (UTC)'}; each run governs the ${formatSeconds(scheduleWindowSeconds(d))} ending at its action time`,
    `  starts      ${d.action.workflowType} on task queue "${d.action.taskQueue}", workflow id ${d.action.workflowId}-<action time>`,
    `  overlap     ${(d.policies.overlap ?? 'SKIP').toLowerCase().replace(/_/g, '-')}; catch-up window ${formatSeconds(d.policies.catchupWindow / 1000)}`,
    `  actions     ${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped (overlap), ${d.info.numActionsMissedCatchupWindow} missed (catch-up window)`,
    `  next        ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || '—'}`,
    ...d.info.recentActions.slice(-5).map((a) => `  recent      ${a.scheduledAt.toISOString()} → ${a.action.workflow.workflowId}`),
  ];
}

function instant(ctx: CommandContext, flag: string): string {
  const v = stringFlag(ctx, flag);
  if (!v) throw new UsageError(`backfill needs --from and --to (ISO-8601, e.g. 2026-11-01T00:00:00Z)`);
  return v;
}

async function runAction(ctx: CommandContext, client: Client, action: string, id: string, taskQueue: string, databaseUrl: string): Promise<number> {
  const handle = client.schedule.getHandle(id);
  switch (action) {
    case 'create':
      await createSchedule(client, id, taskQueue, settings(ctx));
      ctx.out(describeSchedule(await handle.describe()).join('\n'));
      return 0;
    case 'update':
      await updateSchedule(client, id, settings(ctx));
      ctx.out(describeSchedule(await handle.describe()).join('\n'));
      return 0;
    case 'describe': {
      const d = await handle.describe();
      ctx.out(ctx.flags.json === true ? JSON.stringify({ ...d, raw: undefined }, null, 2) : describeSchedule(d).join('\n'));
      return 0;
    }
    case 'pause':
      await handle.pause(stringFlag(ctx, 'note') ?? 'paused with govflow schedule pause');
      ctx.out(`schedule ${id} paused`);
      return 0;
    case 'unpause':
      await handle.unpause(stringFlag(ctx, 'note') ?? 'unpaused with govflow schedule unpause');
      ctx.out(`schedule ${id} unpaused`);
      return 0;
    case 'trigger': {
      const overlap = stringFlag(ctx, 'overlap');
      await handle.trigger(overlap ? parseOverlap(overlap) : undefined);
      ctx.out(`schedule ${id} triggered: one run of the window ending now`);
      return 0;
    }
    case 'delete':
      await handle.delete();
      ctx.out(`schedule ${id} deleted (runs it started are kept)`);
      return 0;
    case 'backfill': {
      const range = parseWindow({ start: instant(ctx, 'from'), end: instant(ctx, 'to') }, '--from/--to');
      const db = createDb(createPool(databaseUrl, 2));
      try {
        const overlap = stringFlag(ctx, 'overlap');
        const plan = await backfillSchedule(client, db, id, new Date(range.start), new Date(range.end), {
          reprocess: ctx.flags.reprocess === true,
          overlap: overlap ? parseOverlap(overlap) : undefined,
        });
        if (ctx.flags.json === true) {
          ctx.out(JSON.stringify({ run: plan.run, skipped: plan.skipped }, null, 2));
        } else {
          ctx.out(`schedule ${id}: backfilling ${plan.run.length} window(s), skipping ${plan.skipped.length} already completed${ctx.flags.reprocess ? '' : ' (--reprocess runs them again)'}`);
          for (const w of plan.run) ctx.out(`  run   ${w.start} → ${w.end}`);
          for (const w of plan.skipped) ctx.out(`  skip  ${w.start} → ${w.end}`);
        }
        return 0;
      } finally {
        await db.destroy();
      }
    }
  }
  throw new UsageError(`unknown schedule action "${action}"; expected one of ${ACTIONS.join(', ')}`);
}

export const scheduleCommand: Command = {
  name: 'schedule',
  usage: 'schedule create|update|describe|list|pause|unpause|trigger|backfill|delete [ID] [options]',
  summary: 'manage Temporal Schedules of governance runs (see README: Schedules)',
  options: {
    every: { type: 'string' },
    cron: { type: 'string' },
    timezone: { type: 'string' },
    overlap: { type: 'string' },
    'catchup-window': { type: 'string' },
    window: { type: 'string' },
    deadline: { type: 'string' },
    note: { type: 'string' },
    paused: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    reprocess: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const [action, id] = ctx.args;
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`schedule needs an action: ${ACTIONS.join(', ')}`);
    }
    if (action !== 'list' && !id) throw new UsageError(`schedule ${action} needs a schedule id, e.g. govflow schedule ${action} hourly`);
    const env = loadEnv();
    const { client, connection } = await connectClient();
    try {
      if (action === 'list') {
        let n = 0;
        for await (const s of client.schedule.list()) {
          n++;
          const next = s.info.nextActionTimes[0]?.toISOString() ?? '—';
          ctx.out(`${s.scheduleId.padEnd(24)} ${s.state.paused ? 'paused' : 'active'}  next ${next}${s.state.note ? `  note: ${s.state.note}` : ''}`);
        }
        if (n === 0) ctx.out('no schedules; create one with: govflow schedule create hourly --every 1h');
        return 0;
      }
      return await runAction(ctx, client, action, id!, env.taskQueue, env.databaseUrl);
    } finally {
      await connection.close();
    }
  },
};
