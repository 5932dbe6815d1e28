import { describe, expect, it } from 'vitest';
import { lastFullHour, parseWindow, refuseUnfinishedWindow, windowLabel } from '../../workflow-safe/window';

describe('window', () => {
  it('takes the last full hour before now', () => {
    expect(lastFullHour(new Date('2026-11-01T10:37:12.345Z'))).toEqual({ start: '2026-11-01T09:00:00.000Z', end: '2026-11-01T10:00:00.000Z' });
    expect(lastFullHour(new Date('2026-11-01T10:00:00.000Z'))).toEqual({ start: '2026-11-01T09:00:00.000Z', end: '2026-11-01T10:00:00.000Z' });
  });

  it('normalises zoned timestamps to UTC', () => {
    expect(parseWindow({ start: '2026-11-01T11:00:00+01:00', end: '2026-11-01T11:00:00Z' })).toEqual({
      start: '2026-11-01T10:00:00.000Z',
      end: '2026-11-01T11:00:00.000Z',
    });
  });

  it('names the field and the expectation when a window is wrong', () => {
    expect(() => parseWindow({ start: 'noon', end: '2026-11-01T11:00:00Z' })).toThrow(/window\.start: "noon" is not an ISO-8601/);
    expect(() => parseWindow({ end: '2026-11-01T11:00:00Z' })).toThrow(/window\.start: expected an ISO-8601/);
    expect(() => parseWindow({ start: '2026-11-01T10:00:00', end: '2026-11-01T11:00:00Z' })).toThrow(/no time zone/);
    expect(() => parseWindow({ start: '2026-11-01T11:00:00Z', end: '2026-11-01T11:00:00Z' })).toThrow(/window\.end: must be after/);
    expect(() => parseWindow({ start: '2026-11-01T12:00:00Z', end: '2026-11-01T11:00:00Z' })).toThrow(/window\.end: must be after window\.start/);
  });

  it('accepts only ISO-8601 date-times with a zone (RFC 3339 profile)', () => {
    const end = '2026-11-02T00:00:00Z';
    for (const [start, utc] of [
      ['2026-11-01T10:00:00Z', '2026-11-01T10:00:00.000Z'],
      ['2026-11-01T10:00Z', '2026-11-01T10:00:00.000Z'],
      ['2026-11-01T11:00:00.250+01:00', '2026-11-01T10:00:00.250Z'],
      ['2026-11-01 05:00:00-0500', '2026-11-01T10:00:00.000Z'],
      ['2026-11-01t10:00:00z', '2026-11-01T10:00:00.000Z'],
    ]) {
      expect(parseWindow({ start, end }).start, start).toBe(utc);
    }
    // What Date would read as something else: a year ("1" → 2001), midnight UTC, local time, a rolled-over day.
    for (const [start, message] of [
      ['1', /"1" is not an ISO-8601 date-time with a zone; expected e\.g\. 2026-11-01T10:00:00Z/],
      ['noon', /"noon" is not an ISO-8601 date-time with a zone/],
      ['2026-11-01', /"2026-11-01" is not an ISO-8601 date-time with a zone/],
      ['2026-11-01T10:00:00', /"2026-11-01T10:00:00" has no time zone; add Z or an offset/],
      ['2026-11-01 10:00', /has no time zone/],
      ['2026-02-30T10:00:00Z', /"2026-02-30T10:00:00Z" is not a date and time that exists/],
      ['2026-11-01T24:00:00Z', /is not a date and time that exists/],
      ['1730455200', /is not an ISO-8601 date-time/],
    ] as const) {
      expect(() => parseWindow({ start, end }), start).toThrow(message);
    }
    expect(() => parseWindow({ start: '1', end: '2' }, { start: '--from', end: '--to' })).toThrow(/^--from: "1"/);
  });

  it('refuses a window that has not ended yet', () => {
    const now = new Date('2026-11-01T10:30:00Z');
    expect(() => refuseUnfinishedWindow({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T10:30:00.000Z' }, now)).not.toThrow();
    expect(() => refuseUnfinishedWindow({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' }, now, '--to')).toThrow(
      /^--to: 2026-11-01T11:00:00\.000Z is in the future \(now 2026-11-01T10:30:00\.000Z\); give a window that has ended$/,
    );
  });

  it('labels windows compactly for workflow ids', () => {
    expect(windowLabel({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' })).toBe('20261101T1000Z-20261101T1100Z');
  });
});
