import { describe, expect, it } from 'vitest';
import { resolveInput } from '../../workflow-safe/run-input';

const TASKS = ['ingest', 'audit'];
const now = new Date('2026-11-01T10:37:00Z');

describe('governanceRun input', () => {
  it('reads {} as the last full hour, triggered by hand', () => {
    expect(resolveInput({}, now, TASKS)).toEqual({
      window: { start: '2026-11-01T09:00:00.000Z', end: '2026-11-01T10:00:00.000Z' },
      trigger: 'manual',
      skipTasks: [],
    });
    expect(resolveInput(undefined, now, TASKS).window.start).toBe('2026-11-01T09:00:00.000Z');
  });

  it('accepts an explicit window, trigger and tasks to skip', () => {
    const r = resolveInput({ window: { start: '2026-10-31T00:00:00Z', end: '2026-11-01T00:00:00Z' }, trigger: 'replay', skipTasks: ['ingest'] }, now, TASKS);
    expect(r).toEqual({ window: { start: '2026-10-31T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' }, trigger: 'replay', skipTasks: ['ingest'] });
  });

  it('names the offending field', () => {
    expect(() => resolveInput([], now, TASKS)).toThrow(/\(input\): expected one JSON object/);
    expect(() => resolveInput({ from: 'x' }, now, TASKS)).toThrow(/from: unknown field/);
    expect(() => resolveInput({ window: 'today' }, now, TASKS)).toThrow(/window: expected an object/);
    expect(() => resolveInput({ window: { start: '2026-11-01T00:00:00Z', end: 'soon' } }, now, TASKS)).toThrow(/window\.end: "soon"/);
    expect(() => resolveInput({ trigger: 'cron' }, now, TASKS)).toThrow(/trigger: expected one of/);
    // The same rule as the CLI: a date-time with a zone, nothing Date would guess at.
    expect(() => resolveInput({ window: { start: '1', end: '2' } }, now, TASKS)).toThrow(/window\.start: "1" is not an ISO-8601 date-time with a zone/);
    expect(() => resolveInput({ window: { start: '2026-10-31T00:00:00', end: '2026-11-01T00:00:00Z' } }, now, TASKS)).toThrow(/window\.start: .* has no time zone/);
    expect(() => resolveInput({ skipTasks: ['mask'] }, now, TASKS)).toThrow(/skipTasks: expected a list of task ids from ingest, audit/);
  });
});

describe('governanceRun input from a schedule', () => {
  const scheduledAt = new Date('2026-11-01T12:00:00Z');

  it('governs the interval that ends at the schedule action time', () => {
    expect(resolveInput({}, now, TASKS, scheduledAt)).toEqual({
      window: { start: '2026-11-01T11:00:00.000Z', end: '2026-11-01T12:00:00.000Z' },
      trigger: 'schedule',
      skipTasks: [],
    });
    expect(resolveInput({ windowSeconds: 900 }, now, TASKS, scheduledAt).window.start).toBe('2026-11-01T11:45:00.000Z');
  });

  it('ends the window the allowed lateness before the action time (11:15 governs 10:00–11:00)', () => {
    const at = new Date('2026-11-01T11:15:00Z');
    expect(resolveInput({ latenessSeconds: 900 }, now, TASKS, at).window).toEqual({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' });
    expect(() => resolveInput({ latenessSeconds: -1 }, now, TASKS, at)).toThrow(/latenessSeconds: expected a number of seconds, 0 or more/);
  });

  it('accepts a late-data revision and names a bad one', () => {
    const r = resolveInput({ trigger: 'late-data', skipTasks: ['ingest'], revision: { reason: 'late-data', detectedBy: 'wf-1' } }, now, TASKS);
    expect(r.revision).toEqual({ reason: 'late-data', detectedBy: 'wf-1' });
    expect(r.trigger).toBe('late-data');
    expect(() => resolveInput({ revision: { reason: 'whim', detectedBy: 'wf-1' } }, now, TASKS)).toThrow(/revision\.reason: expected "late-data"/);
    expect(() => resolveInput({ revision: { reason: 'late-data' } }, now, TASKS)).toThrow(/revision\.detectedBy: expected the workflow id/);
  });

  it("carries a revision's source regions, and names a malformed one", () => {
    const sourceRegions = { 'eu-west-1': ['eu-access'], 'us-east-1': ['us-access', 'us-trail'] };
    expect(resolveInput({ skipTasks: ['ingest'], sourceRegions }, now, TASKS).sourceRegions).toEqual(sourceRegions);
    expect(resolveInput({}, now, TASKS)).not.toHaveProperty('sourceRegions');
    for (const bad of [['eu-access'], { 'EU West': ['a'] }, { 'eu-west-1': 'eu-access' }, { 'eu-west-1': [1] }]) {
      expect(() => resolveInput({ sourceRegions: bad }, now, TASKS)).toThrow(/sourceRegions: expected an object of region name/);
    }
  });

  it('lets an explicit window win, and validates the durations', () => {
    const w = { start: '2026-10-31T00:00:00Z', end: '2026-11-01T00:00:00Z' };
    expect(resolveInput({ window: w }, now, TASKS, scheduledAt).window.end).toBe('2026-11-01T00:00:00.000Z');
    expect(resolveInput({ deadlineSeconds: 30 }, now, TASKS).deadlineSeconds).toBe(30);
    expect(() => resolveInput({ windowSeconds: 0 }, now, TASKS)).toThrow(/windowSeconds: expected a number of seconds/);
    expect(() => resolveInput({ deadlineSeconds: '1h' }, now, TASKS)).toThrow(/deadlineSeconds: expected a number of seconds/);
  });
});
