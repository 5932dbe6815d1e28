import { describe, expect, it } from 'vitest';
import { precisionOfTcfTimestamp, precisionOfTimestamp } from '../../ingest/time-precision';
import { checkConsent } from '../../ingest/records';

// The precision of a consent signal's timestamp, read from how it is written (CSV/JSONL exports,
// GPC request logs) or from the format's definition (TCF), and what a consent record stores.

describe('precisionOfTimestamp', () => {
  it.each([
    ['2026-11-02', 'day'],
    ['2026-11-02T10:35Z', 'minute'],
    ['2026-11-02T10:35:00Z', 'second'],
    ['2026-11-02T10:35:00+01:00', 'second'],
    ['2026-11-02 10:35:00', 'second'],
    ['2026-11-02T10:35:00.1Z', 'decisecond'],
    ['2026-11-02T10:35:00.12Z', 'centisecond'],
    ['2026-11-02T10:35:00.123Z', 'millisecond'],
    ['2026-11-02T10:35:00.123456Z', 'microsecond'],
    ['2026-11-02T10:35:00.123456789Z', 'microsecond'],
  ])('%s → %s', (raw, precision) => {
    expect(precisionOfTimestamp(raw)).toBe(precision);
  });
});

describe('precisionOfTcfTimestamp', () => {
  it('reads a midnight-UTC stamp as day-level (the IAB library dates strings to the day), else deciseconds', () => {
    expect(precisionOfTcfTimestamp('2026-11-02T00:00:00.000Z')).toBe('day');
    expect(precisionOfTcfTimestamp('2026-11-02T10:35:00.100Z')).toBe('decisecond');
  });
});

describe('checkConsent', () => {
  const purposes = new Set(['analytics']);
  const base = { subject: 'user-1', purpose: 'analytics', granted: true };

  it('stores a date alone as 00:00 UTC with day precision', () => {
    const r = checkConsent({ ...base, time: '2026-11-02' }, purposes);
    expect(r).toEqual({ ok: true, record: expect.objectContaining({ occurred_at: '2026-11-02T00:00:00.000Z', occurred_precision: 'day' }) });
  });

  it('takes a precision the parser states over the written one', () => {
    const r = checkConsent({ ...base, time: '2026-11-02T00:00:00.000Z', time_precision: 'day' }, purposes);
    expect(r).toEqual({ ok: true, record: expect.objectContaining({ occurred_precision: 'day' }) });
  });

  it('rejects an impossible date and an unknown precision with a one-line reason', () => {
    expect(checkConsent({ ...base, time: '2026-02-31' }, purposes)).toEqual({ ok: false, reason: 'unparseable date in "time" (expected YYYY-MM-DD)' });
    expect(checkConsent({ ...base, time: '2026-11-02', time_precision: 'week' }, purposes)).toEqual({
      ok: false, reason: 'field "time_precision" must be one of day, minute, second, decisecond, centisecond, millisecond, microsecond',
    });
  });
});
