// The precision of a consent signal's timestamp, as its format defines it: how wide the interval
// [t, t + precision) is in which the signal stamped t really happened. Stored with every consent
// event (consent_events.occurred_precision) so the consent step judges an access against the
// instant the consent state was known (govflow.consent_bounds_at, migration T1700).

export const TIME_PRECISIONS = ['day', 'minute', 'second', 'decisecond', 'centisecond', 'millisecond', 'microsecond'] as const;
export type TimePrecision = (typeof TIME_PRECISIONS)[number];

/** A date alone (ISO-8601 calendar date), as consent exports write a day-level choice. */
export const DATE_ONLY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const FRACTION_PRECISION: Record<number, TimePrecision> = { 1: 'decisecond', 2: 'centisecond', 3: 'millisecond' };

/**
 * The precision an ISO-8601 timestamp string carries: a date alone → 'day'; hours and minutes
 * without seconds → 'minute'; whole seconds → 'second'; 1, 2 or 3 fraction digits → 'decisecond',
 * 'centisecond', 'millisecond'; more → 'microsecond' (Postgres keeps no finer). Never throws:
 * a string it cannot read (checked elsewhere) counts as 'second'.
 */
export function precisionOfTimestamp(raw: string): TimePrecision {
  const s = raw.trim();
  if (DATE_ONLY.test(s)) return 'day';
  const m = /T\d{2}:\d{2}(?::\d{2}(?:[.,](\d+))?)?/i.exec(s) ?? / \d{2}:\d{2}(?::\d{2}(?:[.,](\d+))?)?/.exec(s);
  if (!m) return 'second';
  if (!/:\d{2}:\d{2}/.test(m[0])) return 'minute';
  const digits = m[1]?.length ?? 0;
  return digits === 0 ? 'second' : FRACTION_PRECISION[digits] ?? 'microsecond';
}

/**
 * The precision of a TCF v2 TC string's Created/LastUpdated. The IAB Tech Lab "Consent string and
 * vendor list formats v2" defines both fields as "Epoch deciseconds" (36 bits), so 'decisecond';
 * but the IAB's own library (@iabtechlabtcf/core ≥ 1.4.0, TCModel.updated(): "updates the created
 * and lastUpdated dates with a 'now' day-level UTC timestamp") and the CMPs built on it write the
 * day, at 00:00:00.0 UTC. A timestamp exactly at midnight UTC is read as such a day-level stamp:
 * a real decisecond stamp lands there once in 864,000.
 */
export function precisionOfTcfTimestamp(iso: string): TimePrecision {
  const t = Date.parse(iso);
  return Number.isFinite(t) && t % 86_400_000 === 0 ? 'day' : 'decisecond';
}
