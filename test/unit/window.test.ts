import { describe, expect, it } from 'vitest';
import { lastFullHour, parseWindow, windowLabel } from '../../lib/window';

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
  });

  it('labels windows compactly for workflow ids', () => {
    expect(windowLabel({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' })).toBe('20261101T1000Z-20261101T1100Z');
  });
});
