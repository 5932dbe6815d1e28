import type { Client, ScheduleDescription, ScheduleOptionsStartWorkflowAction, ScheduleOverlapPolicy, ScheduleUpdateOptions } from '@temporalio/client';
import { msNumberToTs, tsToMs } from '@temporalio/common/lib/time';
import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { GovernanceInput } from '../workflow-safe/run-input';
import { governanceRun } from '../workflows/governance';
import { planBackfill, type BackfillPlan } from './backfill-plan';
import type { Window } from '../workflow-safe/window';
import { UsageError } from './command';

// govflow's schedules are Temporal Schedules that start governanceRun. Each action's workflow id
// is the schedule id, to which Temporal appends the action time (e.g. hourly-2026-11-01T11:00:00Z):
// one id per schedule and window, so a duplicate start of the same window is refused, not re-run.
// The run reads its window from TemporalScheduledStartTime; the input only carries its length.

export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

export interface ScheduleSettings {
  everySeconds?: number;
  cron?: string;
  timezone?: string;
  overlap?: ScheduleOverlapPolicy;
  catchupWindowSeconds?: number;
  /** Length of each run's window; default: the interval, or one hour for a cron schedule. */
  windowSeconds?: number;
  /**
   * Allowed lateness: each run governs the window that ended this long before its action time.
   * With --every the schedule is also offset by it (runs at 11:15 for 10:00–11:00); with --cron
   * the expression says when runs start (e.g. "15 * * * *" with 15m).
   */
  latenessSeconds?: number;
  deadlineSeconds?: number;
  note?: string;
  paused?: boolean;
}

export function parseOverlap(text: string): ScheduleOverlapPolicy {
  const v = text.trim().toUpperCase().replace(/-/g, '_');
  if (!(OVERLAP_POLICIES as readonly string[]).includes(v)) {
    throw new UsageError(`--overlap: "${text}" is not an overlap policy; expected one of ${OVERLAP_POLICIES.map((p) => p.toLowerCase().replace(/_/g, '-')).join(', ')}`);
  }
  return v as ScheduleOverlapPolicy;
}

function spec(s: ScheduleSettings) {
  if (s.everySeconds && s.cron) throw new UsageError('give either --every or --cron, not both');
  if (!s.everySeconds && !s.cron) throw new UsageError('a schedule needs --every DURATION (e.g. 1h) or --cron "EXPR" (e.g. "0 * * * *")');
  return {
    ...(s.everySeconds
      ? { intervals: [{ every: s.everySeconds * 1000, ...(s.latenessSeconds ? { offset: (s.latenessSeconds % s.everySeconds) * 1000 } : {}) }] }
      : { cronExpressions: [s.cron!] }),
    ...(s.timezone ? { timezone: s.timezone } : {}),
  };
}

/** The Temporal schedule spec of --every or --cron (exactly one) and --timezone; UsageError otherwise. */
export { spec as scheduleSpec };

function action(scheduleId: string, taskQueue: string, s: ScheduleSettings): ScheduleOptionsStartWorkflowAction<typeof governanceRun> {
  const input: GovernanceInput = { windowSeconds: s.windowSeconds ?? s.everySeconds ?? 3600 };
  if (s.deadlineSeconds) input.deadlineSeconds = s.deadlineSeconds;
  if (s.latenessSeconds) input.latenessSeconds = s.latenessSeconds;
  return { type: 'startWorkflow', workflowType: governanceRun, taskQueue, workflowId: scheduleId, args: [input] };
}

export async function createSchedule(client: Client, scheduleId: string, taskQueue: string, s: ScheduleSettings): Promise<void> {
  await client.schedule.create({
    scheduleId,
    spec: spec(s),
    action: action(scheduleId, taskQueue, s),
    policies: { overlap: s.overlap ?? 'SKIP', catchupWindow: (s.catchupWindowSeconds ?? 3600) * 1000 },
    state: { paused: s.paused ?? false, note: s.note ?? (s.paused ? 'created paused' : undefined) },
  });
}

/** The window length a schedule's runs use (from its action input). */
export function scheduleWindowSeconds(d: ScheduleDescription): number {
  const input = (d.action.args?.[0] ?? {}) as GovernanceInput;
  return input.windowSeconds ?? 3600;
}

/** The allowed lateness a schedule's runs use (from its action input; 0 when none). */
export function scheduleLatenessSeconds(d: ScheduleDescription): number {
  const input = (d.action.args?.[0] ?? {}) as GovernanceInput;
  return input.latenessSeconds ?? 0;
}

/** Changes only what `s` names; the rest of the schedule stays as it is. */
export async function updateSchedule(client: Client, scheduleId: string, s: ScheduleSettings): Promise<void> {
  await client.schedule.getHandle(scheduleId).update((prev) => {
    const input: GovernanceInput = { ...((prev.action.args?.[0] ?? {}) as GovernanceInput) };
    if (s.latenessSeconds !== undefined) input.latenessSeconds = s.latenessSeconds;
    // A new lateness re-offsets an interval schedule: retime it with its own interval.
    const every = s.everySeconds ?? (s.latenessSeconds !== undefined && !s.cron && prev.spec.intervals?.length === 1 ? Number(prev.spec.intervals[0]!.every) / 1000 : undefined);
    s = { ...s, everySeconds: every, latenessSeconds: input.latenessSeconds };
    const retimed = Boolean(s.everySeconds || s.cron);
    // A new interval means a new window length, unless --window says otherwise.
    const windowSeconds = s.windowSeconds ?? s.everySeconds ?? (s.cron ? 3600 : undefined);
    if (windowSeconds) input.windowSeconds = windowSeconds;
    if (s.deadlineSeconds) input.deadlineSeconds = s.deadlineSeconds;
    const next: ScheduleUpdateOptions = {
      spec: retimed ? { ...spec(s), timezone: s.timezone ?? prev.spec.timezone } : { ...prev.spec, ...(s.timezone ? { timezone: s.timezone } : {}) },
      action: { ...prev.action, args: [input] },
      policies: {
        overlap: s.overlap ?? prev.policies.overlap,
        catchupWindow: s.catchupWindowSeconds !== undefined ? s.catchupWindowSeconds * 1000 : prev.policies.catchupWindow,
        pauseOnFailure: prev.policies.pauseOnFailure,
      },
      state: { ...prev.state, ...(s.paused !== undefined ? { paused: s.paused } : {}), ...(s.note !== undefined ? { note: s.note } : {}) },
    };
    return next as ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<typeof governanceRun>>;
  });
}

/** Every time the schedule's spec fires in [from, to], paging through the server's answer. */
export async function scheduleActionTimes(client: Client, scheduleId: string, from: Date, to: Date): Promise<Date[]> {
  const times: Date[] = [];
  let cursor = from.getTime();
  // The server's start bound is exclusive: ask from just before `from`, keep what is in range.
  for (;;) {
    const res = await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId,
      startTime: msNumberToTs(cursor - 1),
      endTime: msNumberToTs(to.getTime()),
    });
    const page = (res.startTime ?? []).map((ts) => new Date(tsToMs(ts))).filter((t) => t.getTime() >= cursor && t <= to);
    if (page.length === 0) break;
    times.push(...page);
    cursor = page[page.length - 1]!.getTime() + 1;
  }
  return times;
}

/** Windows of [from, to] that already completed successfully, from the runs ledger. */
export async function completedWindows(db: Db, from: Date, to: Date): Promise<Window[]> {
  const { rows } = await sql<{ window_start: Date; window_end: Date }>`
    select distinct window_start, window_end from govflow.runs
    where dag = 'governance' and status = 'completed' and window_start >= ${from} and window_end <= ${to}`.execute(db);
  return rows.map((r) => ({ start: new Date(r.window_start).toISOString(), end: new Date(r.window_end).toISOString() }));
}

/**
 * One run per window of the schedule lying inside [from, to], except windows that already
 * completed (unless `reprocess`). Backfilled runs may overlap each other: they govern different
 * windows, so they are started whatever the schedule's own overlap policy says.
 */
export async function backfillSchedule(
  client: Client,
  db: Db,
  scheduleId: string,
  from: Date,
  to: Date,
  o: { reprocess?: boolean; overlap?: ScheduleOverlapPolicy } = {},
): Promise<BackfillPlan> {
  if (to <= from) throw new UsageError('--to must be after --from');
  const handle = client.schedule.getHandle(scheduleId);
  const described = await handle.describe();
  const windowSeconds = scheduleWindowSeconds(described);
  // Action times run `lateness` after the windows they govern.
  const latenessMs = scheduleLatenessSeconds(described) * 1000;
  const firstEnd = new Date(from.getTime() + windowSeconds * 1000 + latenessMs);
  const last = new Date(to.getTime() + latenessMs);
  const times = firstEnd <= last ? await scheduleActionTimes(client, scheduleId, firstEnd, last) : [];
  const plan = planBackfill(times, windowSeconds, await completedWindows(db, from, to), o.reprocess ?? false, latenessMs / 1000);
  if (plan.ranges.length) await handle.backfill(plan.ranges.map((r) => ({ ...r, overlap: o.overlap ?? 'ALLOW_ALL' })));
  return plan;
}
