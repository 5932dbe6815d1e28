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

function parseInstant(field: string, value: unknown): Date {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WindowError(field, 'expected an ISO-8601 timestamp such as 2026-11-01T10:00:00Z');
  }
  // Without a zone, Date would read the string in the machine's local time: refuse the ambiguity.
  if (/T\d{2}:\d{2}/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    throw new WindowError(field, `"${value}" has no time zone; add Z or an offset such as +01:00`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new WindowError(field, `"${value}" is not an ISO-8601 timestamp`);
  }
  return date;
}

/** Validates and normalises a window given by a person (CLI flags, the UI's JSON input). */
export function parseWindow(raw: { start?: unknown; end?: unknown }, prefix = 'window'): Window {
  const start = parseInstant(`${prefix}.start`, raw.start);
  const end = parseInstant(`${prefix}.end`, raw.end);
  if (end.getTime() <= start.getTime()) {
    throw new WindowError(`${prefix}.end`, 'must be after window.start');
  }
  return { start: start.toISOString(), end: end.toISOString() };
}

/** A short, sortable, id-safe label for a window, e.g. 20261101T1000Z-20261101T1100Z. */
export function windowLabel(w: Window): string {
  const compact = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace(/00Z$/, 'Z');
  return `${compact(w.start)}-${compact(w.end)}`;
}
