import { describe, expect, it } from 'vitest';
import { planBackfill, windowEndingAt } from '../../cli/backfill-plan';
import { parseDurationSeconds } from '../../config/duration';

const hour = (h: number) => new Date(Date.UTC(2026, 10, 1, h));

describe('backfill plan', () => {
  const times = [7, 8, 9, 10, 11, 12].map(hour);

  it('runs one window per action time, each ending at it', () => {
    const plan = planBackfill(times, 3600, [], false);
    expect(plan.run.map((w) => w.end)).toEqual(times.map((t) => t.toISOString()));
    expect(plan.run[0]).toEqual({ start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T07:00:00.000Z' });
    expect(plan.ranges).toHaveLength(1);
    expect(plan.ranges[0]!.start.getTime()).toBeLessThan(hour(7).getTime());
    expect(plan.ranges[0]!.end.getTime()).toBeGreaterThan(hour(12).getTime());
  });

  it('governs the window that ended the allowed lateness before each action time', () => {
    const late = [7, 8].map((h) => new Date(Date.UTC(2026, 10, 1, h, 15)));
    const plan = planBackfill(late, 3600, [{ start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T07:00:00.000Z' }], false, 900);
    expect(plan.skipped).toEqual([{ start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T07:00:00.000Z' }]);
    expect(plan.run).toEqual([{ start: '2026-11-01T07:00:00.000Z', end: '2026-11-01T08:00:00.000Z' }]);
  });

  it('skips completed windows and splits the ranges around them, unless reprocessing', () => {
    const completed = [windowEndingAt(hour(9), 3600), { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' }];
    const plan = planBackfill(times, 3600, completed, false);
    expect(plan.skipped.map((w) => w.end)).toEqual([hour(9).toISOString(), hour(11).toISOString()]);
    expect(plan.run).toHaveLength(4);
    expect(plan.ranges.map((r) => [r.start < hour(7) && r.end > hour(8), r.start > hour(9) && r.end < hour(11), r.start > hour(11)])).toEqual([
      [true, false, false], [false, true, false], [false, false, true],
    ]);
    expect(planBackfill(times, 3600, completed, true).run).toHaveLength(6);
  });

  it('reads durations', () => {
    expect(parseDurationSeconds('1h30m', '--every')).toBe(5400);
    expect(parseDurationSeconds('15m', '--every')).toBe(900);
    expect(() => parseDurationSeconds('hourly', '--every')).toThrow(/--every: "hourly" is not a duration/);
  });
});
