import { isIP } from 'node:net';
import type { z } from 'zod';
import type { SourceKind } from '../../config/source-kinds';

// A format turns one line of a source file into canonical objects (the field names of
// examples/*.jsonl: time, principal, subject, action, …), which ingest/records.ts then checks the
// same way for every format. A line may hold several events (a CloudTrail Records file, a TCF
// string with many purposes), one, none (a line that is not an event of interest), or be bad.

export type CanonicalObject = Record<string, unknown>;

export type Parsed =
  | { ok: true; objects: CanonicalObject[] }
  | { ok: false; reason: string }
  /** Not an event govflow governs (a daemon's start-up line in an auth log, say): counted, not quarantined. */
  | { ok: 'skip'; reason: string };

export interface LineParser {
  parse(text: string, position: number): Parsed;
  /**
   * The file's first line is a header the parser must see to read the others: ingest passes it
   * to `parse` again when reading resumes past it (an appended file, a retry).
   */
  header?: boolean;
}

export interface Format<O extends z.ZodType = z.ZodType> {
  name: string;
  kinds: readonly SourceKind[];
  options: O;
  create(options: z.output<O>, kind: SourceKind): LineParser;
  /**
   * For formats whose files may be one JSON document wrapping the records in an array under this
   * key (CloudTrail's `{"Records": [...]}`): such a file is read with a streaming JSON parser, each
   * element handed to `parse` as its own text with its index as position (ingest/json-records.ts),
   * instead of line by line.
   */
  jsonRecords?: string;
}

export const skip = (reason: string): Parsed => ({ ok: 'skip', reason });
export const bad = (reason: string): Parsed => ({ ok: false, reason });
export const one = (obj: CanonicalObject): Parsed => ({ ok: true, objects: [obj] });

/** JSON.parse that reports instead of throwing. */
export function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'malformed JSON' };
  }
}

/**
 * A line that must hold one JSON object, optionally inside an envelope (`field`, e.g. "log" for
 * {"log": {...}}): the object, or the reason it is not one.
 */
export function parseObject(text: string, field?: string): { value: Record<string, unknown> } | { error: string } {
  const j = parseJson(text);
  if ('error' in j) return j;
  const obj = field ? pick(j.value, field) : j.value;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { error: field ? `no object at "${field}"` : 'not a JSON object' };
  return { value: obj as Record<string, unknown> };
}

/** Reads a dotted path (a.b.c) out of nested objects. */
export function pick(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Logs put hostnames (sshd with UseDNS, AWS service principals such as "ec2.amazonaws.com") where
 * an address usually stands: keep addresses as source_ip and the rest as a detail.
 */
export function addressOrHost(value: unknown): { source_ip: string | null; source_host?: string } {
  if (typeof value !== 'string' || value === '') return { source_ip: null };
  return isIP(value) ? { source_ip: value } : { source_ip: null, source_host: value };
}

/**
 * Exporters often write "2022-11-29 00:09:04.38" for times the source system kept in UTC
 * (CloudTrail, Kubernetes): read a zone-less timestamp of that shape as UTC.
 */
export function utcIfZoneless(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v;
}
