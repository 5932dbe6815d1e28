import { createHmac } from 'node:crypto';
import { pseudonym } from './pseudonym';
import { encryptValue } from './vault/crypto';
import type { DataKind, MaskRule } from '../policy/masking';
import type { PiiEntity } from './detector';
import { ipPrefix } from './ip';

// The masking operators, applied per kind of personal data as the policy says. Pure: keys come
// in, vault entries go out through a callback, nothing here touches a database.

export const TOKEN_PREFIX = 'tok_';
export const ENCRYPTED_PREFIX = 'enc:';

/** A reversible token's vault entry: the value sealed under its owner's data key. */
export interface VaultEntry {
  token: string;
  subjectRef: string;
  kind: DataKind;
  ciphertext: string;
}

export interface MaskKeys {
  pseudonymKey: string;
  /** The owner's data key (loaded by the caller beforehand), or undefined if they have none. */
  dataKey(subjectRef: string): Buffer | undefined;
  /** Receives every token minted, for the caller to store in pii_vault. */
  onToken(entry: VaultEntry): void;
  /** Tokens already sealed and handed over in this step: not encrypted again (optional cache). */
  sealed?: Set<string>;
  /** Pseudonyms computed in this step (optional cache: people recur). */
  pseudonyms?: Map<string, string>;
  /** User agents and what they masked to (optional cache: a few thousand user agents recur millions of times). */
  cleanText?: Map<string, string>;
}

/** pseudonym(value), through the step's cache when there is one. */
export function pseudonymOf(value: string, keys: MaskKeys): string {
  let p = keys.pseudonyms?.get(value);
  if (p === undefined) {
    p = pseudonym(value, keys.pseudonymKey);
    if (keys.pseudonyms && keys.pseudonyms.size < 1_000_000) keys.pseudonyms.set(value, p);
  }
  return p;
}

// ── generalisers ─────────────────────────────────────────────────────────────────────────────

export { ipPrefix } from './ip';

/** A timestamp → the start of its hour, ISO-8601 UTC. */
export function toHour(ts: string | Date): string | null {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return null;
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
}

/** A birth date → its year. */
export function birthYear(date: string): string | null {
  const m = date.trim().match(/^(\d{4})-\d{2}-\d{2}/) ?? date.trim().match(/^\d{1,2}[./-]\d{1,2}[./-](\d{4})$/);
  return m ? m[1]! : null;
}

/** A location → its country: "DE-BE" → "DE", "Berlin, Berlin, DE" → "DE". */
export function toCountry(location: string): string | null {
  const s = location.trim();
  const iso = s.match(/^([A-Z]{2})-[A-Z0-9]{1,3}$/);
  if (iso) return iso[1]!;
  const last = s.split(',').pop()!.trim();
  return last || null;
}

const GENERALISERS: Partial<Record<DataKind, (v: string) => string | null>> = {
  ip_address: ipPrefix,
  timestamp: toHour,
  birth_date: birthYear,
  location: toCountry,
};

// ── the other operators ──────────────────────────────────────────────────────────────────────

/** Keeps the first and last N letters or digits; every other letter or digit becomes "*". */
export function partialMask(value: string, keepFirst: number, keepLast: number): string {
  const positions = [...value].map((c, i) => (/[\p{L}\p{N}]/u.test(c) ? i : -1)).filter((i) => i >= 0);
  // Never reveal more than half of a value, however the policy is set.
  const budget = Math.floor(positions.length / 2);
  const first = Math.min(keepFirst, budget);
  const last = Math.min(keepLast, budget - first);
  const hidden = new Set(positions.slice(first, positions.length - last));
  return [...value].map((c, i) => (hidden.has(i) ? '*' : c)).join('');
}

export function redactLabel(kind: DataKind): string {
  return `[${kind}]`;
}

export function tokenFor(value: string, kind: DataKind, subjectRef: string, pseudonymKey: string): string {
  return TOKEN_PREFIX + createHmac('sha256', pseudonymKey).update(`token\0${subjectRef}\0${kind}\0${value}`, 'utf8').digest('hex').slice(0, 32);
}

/** The AES-GCM context a vault entry is sealed under: a ciphertext only opens as its own token. */
export const vaultContext = (token: string) => `vault:${token}`;
export const fieldContext = (kind: DataKind, subjectRef: string) => `field:${kind}:${subjectRef}`;

/**
 * Applies `rule` to one value of `kind`, owned by `ownerRef` (the owner's pseudonym, whose data
 * key seals reversible forms). Returns null for "drop" (and for a value that cannot be generalised).
 * Tokenise and encrypt need an owner with a key; without one the value is redacted instead.
 */
export function applyRule(rule: MaskRule, kind: DataKind, value: string, ownerRef: string | null, keys: MaskKeys): string | null {
  switch (rule.operator) {
    case 'pseudonymise':
      return pseudonymOf(value, keys);
    case 'generalise':
      return GENERALISERS[kind]?.(value) ?? null;
    case 'partial':
      return partialMask(value, rule.keepFirst, rule.keepLast);
    case 'redact':
      return redactLabel(kind);
    case 'drop':
      return null;
    case 'tokenise': {
      const dataKey = ownerRef ? keys.dataKey(ownerRef) : undefined;
      if (!ownerRef || !dataKey) return redactLabel(kind);
      const token = tokenFor(value, kind, ownerRef, keys.pseudonymKey);
      if (keys.sealed?.has(token)) return token;
      keys.sealed?.add(token);
      keys.onToken({ token, subjectRef: ownerRef, kind, ciphertext: encryptValue(dataKey, value, vaultContext(token)) });
      return token;
    }
    case 'encrypt': {
      const dataKey = ownerRef ? keys.dataKey(ownerRef) : undefined;
      if (!ownerRef || !dataKey) return redactLabel(kind);
      return `${ENCRYPTED_PREFIX}${ownerRef}:${encryptValue(dataKey, value, fieldContext(kind, ownerRef))}`;
    }
  }
}

/** Which data kind each detected entity is, so its policy rule applies (masking/data-categories.ts). */
export { ENTITY_KIND } from '../masking/data-categories';
