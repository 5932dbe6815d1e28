import type { Client, ScheduleDescription } from '@temporalio/client';
import { stringFlag, UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../../temporal/connection';
import { formatSeconds, parseDurationSeconds } from '../../config/duration';
import { parseWindow, refuseUnfinishedWindow, type Window } from '../../workflow-safe/window';
import { backfillSchedule, createSchedule, OVERLAP_POLICIES, parseOverlap, scheduleLatenessSeconds, scheduleWindowSeconds, updateSchedule, type ScheduleSettings } from '../schedules';
import { CLI_WINDOW } from './run';
import { loadEnv } from '../../config/config';
import { createDb, createPool } from '../../db/pool';

// `govflow schedule <action> <id>`: Temporal Schedules that start governanceRun, one run per window.

/** The overlap policies as people type them (Temporal's ScheduleOverlapPolicy, kebab-case). */
const OVERLAPS = OVERLAP_POLICIES.map((p) => p.toLowerCase().replace(/_/g, '-'));

const ACTIONS = ['create', 'update', 'describe', 'list', 'pause', 'unpause', 'trigger', 'backfill', 'delete'] as const;

function duration(ctx: CommandContext, flag: string): number | undefined {
  const v = stringFlag(ctx, flag);
  if (v === undefined) return undefined;
  return parseDurationSeconds(v, `--${flag}`); // DurationError: a usage error (exit 2)
}

/**
 * An IANA time-zone name, checked with the platform's tz database (ICU) before Temporal's (Go's)
 * sees it, so a typo is named as such. Throws UsageError.
 */
function timezone(ctx: CommandContext): string | undefined {
  const tz = stringFlag(ctx, 'timezone');
  if (tz === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new UsageError(`--timezone: "${tz}" is not an IANA time zone name; expected e.g. UTC, Europe/Paris, America/New_York`);
  }
  return tz;
}

function settings(ctx: CommandContext): ScheduleSettings {
  const overlap = stringFlag(ctx, 'overlap');
  return {
    everySeconds: duration(ctx, 'every'),
    cron: stringFlag(ctx, 'cron'),
    timezone: timezone(ctx),
    overlap: overlap ? parseOverlap(overlap) : undefined,
    catchupWindowSeconds: duration(ctx, 'catchup-window'),
    windowSeconds: duration(ctx, 'window'),
    latenessSeconds: duration(ctx, 'lateness'),
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
    `  runs        ${timing}${d.spec.timezone ? ` (${d.spec.timezone})` : ' (UTC)'}; each run governs the ${formatSeconds(scheduleWindowSeconds(d))} ending ${scheduleLatenessSeconds(d) ? `${formatSeconds(scheduleLatenessSeconds(d))} before` : 'at'} its action time`,
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

/** backfill's --from/--to: ISO-8601 with a zone, end after start, already ended. */
function backfillRange(ctx: CommandContext): Window {
  const range = parseWindow({ start: instant(ctx, 'from'), end: instant(ctx, 'to') }, CLI_WINDOW);
  refuseUnfinishedWindow(range, new Date(), CLI_WINDOW.end);
  return range;
}

async function runAction(ctx: CommandContext, client: Client, action: string, id: string, taskQueue: string, databaseUrl: string, s: ScheduleSettings): Promise<number> {
  const handle = client.schedule.getHandle(id);
  switch (action) {
    case 'create':
      await createSchedule(client, id, taskQueue, s);
      ctx.out(describeSchedule(await handle.describe()).join('\n'));
      return 0;
    case 'update':
      await updateSchedule(client, id, s);
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
      const range = backfillRange(ctx);
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
  details: [
    'Actions:',
    '  create ID        a new schedule (--every or --cron, and the settings below)',
    '  update ID        change only the settings given',
    '  describe ID      spec, policies, next and recent actions',
    '  list             every schedule, active or paused',
    '  pause ID         stop starting runs (--note says why); unpause ID resumes',
    '  trigger ID       one run now, of the window ending now',
    '  backfill ID      one run per window in --from/--to that has not completed yet',
    '  delete ID        remove the schedule (runs it started are kept)',
    'Durations: 30s, 15m, 1h, 1h30m, 1d.',
  ],
  options: {
    every: { type: 'string', arg: 'DURATION', description: 'create/update: start a run every DURATION, e.g. 1h' },
    cron: { type: 'string', arg: 'EXPR', description: 'create/update: start runs on a cron expression instead, e.g. "0 * * * *"' },
    timezone: { type: 'string', arg: 'ZONE', description: 'create/update: IANA time zone the cron expression is read in, e.g. Europe/Paris', default: 'UTC' },
    overlap: { type: 'string', values: OVERLAPS, description: 'create/update/trigger/backfill: what to do when a run is still going', default: 'skip (backfill: allow-all)' },
    'catchup-window': { type: 'string', arg: 'DURATION', description: 'create/update: how late a missed run may still start', default: '1h' },
    window: { type: 'string', arg: 'DURATION', description: 'create/update: length of the window each run governs', default: 'the --every interval, or 1h' },
    lateness: { type: 'string', arg: 'DURATION', description: 'create/update: allowed lateness; each run governs the window that ended this long before it (--every 1h --lateness 15m runs 10:00–11:00 at 11:15)', default: 'none' },
    deadline: { type: 'string', arg: 'DURATION', description: "create/update: alert when a run takes longer", default: "the policy's runs.deadlineMinutes" },
    note: { type: 'string', arg: 'TEXT', description: 'create/update/pause/unpause: a note shown with the schedule' },
    paused: { type: 'boolean', description: 'create/update: create it (or set it) paused' },
    from: { type: 'string', arg: 'ISO', description: 'backfill: start of the range, ISO-8601 with a zone' },
    to: { type: 'string', arg: 'ISO', description: 'backfill: end of the range, with a zone; must have passed' },
    reprocess: { type: 'boolean', description: 'backfill: run windows that already completed again' },
    json: { type: 'boolean', description: 'describe/backfill: print JSON' },
  },
  async run(ctx) {
    const [action, id] = ctx.args;
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`schedule needs an action: ${ACTIONS.join(', ')}`);
    }
    if (action !== 'list' && !id) throw new UsageError(`schedule ${action} needs a schedule id, e.g. govflow schedule ${action} hourly`);
    // Every value is checked before Temporal is asked anything: a typo is named as a typo.
    const s = settings(ctx);
    if (action === 'backfill') backfillRange(ctx);
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
      return await runAction(ctx, client, action, id!, env.taskQueue, env.databaseUrl, s);
    } finally {
      await connection.close();
    }
  },
};
