import { describe, expect, it } from 'vitest';
import { dayBounds, dayCount, isWholeDays } from '../../masking/day-partition';
import { pgTextArray } from '../../masking/mask-window';

// Which windows the mask step may write as whole fresh days of masked_events (masking/day-partition.ts).
describe('masked_events day partitions', () => {
  it('takes a window for whole days only when both ends are UTC midnights', () => {
    expect(isWholeDays({ start: '2026-10-01T00:00:00Z', end: '2026-10-02T00:00:00Z' })).toBe(true);
    expect(isWholeDays({ start: '2026-10-01T00:00:00.000Z', end: '2026-10-04T00:00:00.000Z' })).toBe(true);
    expect(isWholeDays({ start: '2026-10-01T00:00:00+02:00', end: '2026-10-02T00:00:00+02:00' })).toBe(false);
    expect(isWholeDays({ start: '2026-10-01T10:00:00Z', end: '2026-10-01T11:00:00Z' })).toBe(false);
    expect(isWholeDays({ start: '2026-10-01T00:00:00Z', end: '2026-10-01T00:00:00Z' })).toBe(false);
  });

  it('counts the UTC days a window touches', () => {
    expect(dayCount({ start: '2026-10-01T00:00:00Z', end: '2026-10-02T00:00:00Z' })).toBe(1);
    expect(dayCount({ start: '2026-10-01T23:00:00Z', end: '2026-10-02T01:00:00Z' })).toBe(2);
    expect(dayCount({ start: '2026-10-01T00:00:00Z', end: '2026-10-08T00:00:00Z' })).toBe(7);
  });

  it('bounds a day as [midnight, next midnight) in UTC, across a month end', () => {
    expect(dayBounds('2026-10-31')).toEqual({ start: '2026-10-31T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' });
  });
});

// The mask step's working tables take arrays of words and kinds as PostgreSQL array literals.
describe('pgTextArray', () => {
  it('quotes every element and escapes only quotes and backslashes', () => {
    expect(pgTextArray([])).toBe('{}');
    expect(pgTextArray(['api', 'v1'])).toBe('{"api","v1"}');
    expect(pgTextArray(['a"b', 'c\\d', '', 'x,y', '{z}'])).toBe('{"a\\"b","c\\\\d","","x,y","{z}"}');
  });
});
