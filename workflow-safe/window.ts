// A governance window is half-open: [start, end). Pure code: the workflow imports it too,
// so it must not touch any Node API.

export interface Window {
  start: string; // ISO-8601, UTC
  end: string;
}

const HOUR_MS = 3_600_000;

/** The last full hour before `now`: `{}` as a run input means this. */
export function lastFullHour(now: Date): Window {
  const end = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(end - HOUR_MS).toISOString(), end: new Date(end).toISOString() };
}

export class WindowError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'WindowError';
  }
}

/** The form every instant of a window must have: a date, a time of day and a zone. */
export const INSTANT_EXAMPLE = '2026-11-01T10:00:00Z or 2026-11-01T11:00:00+01:00';

// RFC 3339 §5.6 date-time (the ISO-8601 profile with a mandatory zone): full-date, "T" (or "t", or
// a space, §5.6 NOTE), partial-time with optional seconds and fraction, and "Z" or ±HH:MM
// (±HHMM is accepted too, as ISO-8601's basic format). Minutes without seconds are ISO-8601 too.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Reads one instant of a window. Only an ISO-8601 date-time with a zone is accepted: without a
 * zone, Date would read the string in the machine's local time, and Date also reads "1" as
 * 2001-01-01 and "2026-11-01" as midnight UTC, none of which a person means by accident.
 * Throws WindowError naming `field` and the expected form.
 */
export function parseInstant(field: string, value: unknown): Date {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WindowError(field, `expected an ISO-8601 date-time with a zone, such as ${INSTANT_EXAMPLE}`);
  }
  const m = INSTANT.exec(value.trim());
  if (!m) {
    const zoneless = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?$/.test(value.trim());
    throw new WindowError(
      field,
      zoneless
        ? `"${value}" has no time zone; add Z or an offset such as +01:00 (e.g. ${INSTANT_EXAMPLE})`
        : `"${value}" is not an ISO-8601 date-time with a zone; expected e.g. ${INSTANT_EXAMPLE}`,
    );
  }
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  const date = new Date(value.trim().replace(' ', 'T').replace(',', '.'));
  // Date rolls 2026-02-30 over to March 2; a calendar date or time that does not exist is refused.
  const inRange = Number(mo) >= 1 && Number(mo) <= 12 && Number(h) <= 23 && Number(mi) <= 59 && Number(s ?? 0) <= 59 && Number(oh ?? 0) <= 23 && Number(om ?? 0) <= 59;
  const dayOk = Number(d) >= 1 && Number(d) <= new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number.isNaN(date.getTime()) || !inRange || !dayOk) {
    throw new WindowError(field, `"${value}" is not a date and time that exists`);
  }
  return date;
}

/** What the two ends are called where the person gave them: window.start/end, or --from/--to. */
export interface WindowFields {
  start: string;
  end: string;
}

/**
 * Validates and normalises a window given by a person (CLI flags, the UI's JSON input): both ends
 * ISO-8601 date-times with a zone (see parseInstant), end after start. `fields` names the ends in
 * messages: a prefix (`window` → window.start) or the two names. Throws WindowError.
 */
export function parseWindow(raw: { start?: unknown; end?: unknown }, fields: string | WindowFields = 'window'): Window {
  const f = typeof fields === 'string' ? { start: `${fields}.start`, end: `${fields}.end` } : fields;
  const start = parseInstant(f.start, raw.start);
  const end = parseInstant(f.end, raw.end);
  if (end.getTime() <= start.getTime()) {
    throw new WindowError(f.end, `must be after ${f.start} (the window [start, end) would be empty)`);
  }
  return { start: start.toISOString(), end: end.toISOString() };
}

/**
 * Refuses a window that has not ended by `now`: its data is not all there yet, so a run of it would
 * read as clean. Used where a person asks for a window (the CLI); a workflow's own input check
 * leaves it to the caller, as tests and imports govern windows of any date.
 */
export function refuseUnfinishedWindow(w: Window, now: Date, field = 'window.end'): void {
  if (new Date(w.end).getTime() > now.getTime()) {
    throw new WindowError(field, `${w.end} is in the future (now ${now.toISOString()}); give a window that has ended`);
  }
}

/** A short, sortable, id-safe label for a window, e.g. 20261101T1000Z-20261101T1100Z. */
export function windowLabel(w: Window): string {
  const compact = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace(/00Z$/, 'Z');
  return `${compact(w.start)}-${compact(w.end)}`;
}
