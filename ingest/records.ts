import { isIP } from 'node:net';
import type { Selectable } from 'kysely';
import type { DB } from '../db/schema';
import { DATE_ONLY, precisionOfTimestamp, TIME_PRECISIONS, type TimePrecision } from './time-precision';

// Canonical records, one per source kind, and the checks every parser's output must pass before
// it reaches Postgres. A failed check is a reason string: the record is quarantined with it.

export const OUTCOMES = ['success', 'denied', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * A record as its table stores it (db/schema.ts, generated from the migrations), less what
 * ingest adds to every row (source, file, position, ingested_at), with times as ISO-8601 text
 * and the event id still optional (a line without one gets its identity from its position).
 */
type CanonicalOf<T extends keyof DB, Typed extends keyof Selectable<DB[T]> = never> = Omit<
  Selectable<DB[T]>,
  'source' | 'file' | 'position' | 'ingested_at' | 'id' | 'event_id' | 'occurred_at' | Typed
> & { event_id: string | null; occurred_at: string };

/** An access event. `justification`: a ticket or justification given for the access (ABAC rules may require one). */
export type AccessRecord = CanonicalOf<'govflow.access_events', 'outcome'> & { outcome: Outcome };

export type AuditTrailRecord = CanonicalOf<'govflow.audit_trail_events', 'outcome' | 'details'> & {
  outcome: Outcome;
  details: Record<string, unknown>;
};

export const CONSENT_SIGNALS = ['explicit', 'gpc', 'tcf', 'import'] as const;
export type ConsentSignal = (typeof CONSENT_SIGNALS)[number];

/** A consent event. `occurred_precision`: how precise `occurred_at` is (ingest/time-precision.ts). */
export type ConsentRecord = CanonicalOf<'govflow.consent_events', 'signal' | 'occurred_precision'> & {
  signal: ConsentSignal;
  occurred_precision: TimePrecision;
};

export type Checked<T> = { ok: true; record: T } | { ok: false; reason: string };

class Rejection extends Error {}

const CANONICAL_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?Z$/;

/** Reads typed fields out of a parsed object, throwing a Rejection with a person-readable reason. */
class Fields {
  constructor(private readonly obj: Record<string, unknown>) {}

  text(name: string, required: true): string;
  text(name: string, required?: false): string | null;
  text(name: string, required = false): string | null {
    const v = this.obj[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw new Rejection(`missing field "${name}"`);
      return null;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw new Rejection(`field "${name}" must be text`);
    return String(v);
  }

  /** An ISO-8601 instant with a zone; with `dates`, a date alone too (read as 00:00 UTC). */
  time(name: string, dates = false): string {
    const raw = this.text(name, true);
    if (dates && DATE_ONLY.test(raw)) {
      const day = new Date(`${raw}T00:00:00Z`);
      if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== raw || raw.startsWith('0000')) {
        throw new Rejection(`unparseable date in "${name}" (expected YYYY-MM-DD)`);
      }
      return day.toISOString();
    }
    // Already canonical (UTC, ISO-8601): the common case in bulk loads, kept as is.
    if (CANONICAL_UTC.test(raw) && !raw.startsWith('0000')) return raw;
    const d = new Date(raw);
    if (Number.isNaN(d.getTime()) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
      throw new Rejection(`unparseable time in "${name}" (expected ISO-8601 with a zone)`);
    }
    // Postgres dates have no year 0, and each day of access events is a partition: years 1–9999.
    const year = d.getUTCFullYear();
    if (year < 1 || year > 9999) throw new Rejection(`time in "${name}" is out of range (years 1 to 9999)`);
    return d.toISOString();
  }

  outcome(name: string): Outcome {
    const v = this.text(name, true);
    if (!(OUTCOMES as readonly string[]).includes(v)) throw new Rejection(`field "${name}" must be one of ${OUTCOMES.join(', ')}`);
    return v as Outcome;
  }

  ip(name: string): string | null {
    const v = this.text(name);
    if (v !== null && isIP(v) === 0) throw new Rejection(`field "${name}" is not an IP address`);
    return v;
  }

  object(name: string): Record<string, unknown> {
    const v = this.obj[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Rejection(`field "${name}" must be an object`);
    return v as Record<string, unknown>;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.text(name);
    if (v === null) return fallback;
    if (!(allowed as readonly string[]).includes(v)) throw new Rejection(`field "${name}" must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  bool(name: string): boolean {
    const v = this.obj[name];
    if (typeof v !== 'boolean') throw new Rejection(`field "${name}" must be true or false`);
    return v;
  }
}

function check<T>(obj: unknown, build: (f: Fields) => T): Checked<T> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { ok: false, reason: 'not a JSON object' };
  try {
    return { ok: true, record: build(new Fields(obj as Record<string, unknown>)) };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, reason: err.message };
    throw err;
  }
}

export function checkAccess(obj: unknown, knownPurposes: ReadonlySet<string>): Checked<AccessRecord> {
  return check(obj, (f) => {
    const purpose = f.text('purpose');
    if (purpose !== null && !knownPurposes.has(purpose)) throw new Rejection(`unknown purpose "${purpose}"`);
    return {
      event_id: f.text('event_id'),
      occurred_at: f.time('time'),
      principal: f.text('principal'),
      subject_id: f.text('subject'),
      action: f.text('action', true),
      resource: f.text('resource'),
      data_category: f.text('data_category'),
      purpose,
      outcome: f.outcome('outcome'),
      source_ip: f.ip('source_ip'),
      region: f.text('region'),
      user_agent: f.text('user_agent'),
      justification: f.text('justification') ?? f.text('ticket'),
    };
  });
}

export function checkAuditTrail(obj: unknown): Checked<AuditTrailRecord> {
  return check(obj, (f) => ({
    event_id: f.text('event_id'),
    occurred_at: f.time('time'),
    actor: f.text('actor'),
    action: f.text('action', true),
    target: f.text('target'),
    outcome: f.outcome('outcome'),
    source_ip: f.ip('source_ip'),
    region: f.text('region'),
    details: f.object('details'),
  }));
}

export function checkConsent(obj: unknown, knownPurposes: ReadonlySet<string>): Checked<ConsentRecord> {
  return check(obj, (f) => {
    const purpose = f.text('purpose', true);
    if (!knownPurposes.has(purpose)) throw new Rejection(`unknown purpose "${purpose}"`);
    return {
      event_id: f.text('event_id'),
      // `subject`, as in access records; `user_id` is what consent exports often call it.
      subject_id: f.text('subject') ?? f.text('user_id') ?? f.text('subject', true),
      purpose,
      granted: f.bool('granted'),
      occurred_at: f.time('time', true),
      // As the format defines it (a parser may say, e.g. TCF), else as the timestamp is written.
      occurred_precision: f.oneOf('time_precision', TIME_PRECISIONS, precisionOfTimestamp(f.text('time', true))),
      evidence: f.text('evidence'),
      signal: f.oneOf('signal', CONSENT_SIGNALS, 'explicit'),
    };
  });
}
