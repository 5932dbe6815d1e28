import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { pseudonym } from './pseudonym';
import { encryptValue } from './vault-crypto';
import type { DataKind, MaskRule } from './policy-masking';
import { scrubPii, type PiiEntity } from './pii-detect';

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
  /** Free text with no PII in it, and what it masked to (optional cache: user agents recur). */
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

function compressIPv6(hextets: number[]): string {
  // The longest run of two or more zero groups becomes "::" (RFC 5952), as Postgres prints it.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function expandIPv6(ip: string): number[] {
  let s = ip.split('%')[0]!;
  const v4 = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const parts = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return parts.map((p) => parseInt(p || '0', 16));
}

/** IPv4 → its /24, IPv6 → its /48 (the same text as SQL govflow.ip_prefix()); anything else → null. */
export function ipPrefix(ip: string): string | null {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) {
    const h = expandIPv6(ip);
    return `${compressIPv6([h[0]!, h[1]!, h[2]!, 0, 0, 0, 0, 0])}/48`;
  }
  return null;
}

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

/** Which data kind each detected entity is, so its policy rule applies. */
export const ENTITY_KIND: Record<PiiEntity, DataKind> = {
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD: 'credit_card',
  IBAN_CODE: 'iban',
  US_SSN: 'us_ssn',
  IP_ADDRESS: 'ip_address',
};

/** Free text with every detected span masked by its kind's rule ("drop" removes the span). */
export function maskFreeText(text: string, rules: Record<DataKind, MaskRule>, ownerRef: string | null, keys: MaskKeys): string {
  return scrubPii(text, (span) => {
    const kind = ENTITY_KIND[span.entity];
    return applyRule(rules[kind], kind, span.value, ownerRef, keys) ?? (rules[kind].operator === 'drop' ? '' : redactLabel(kind));
  });
}

// Platform words a user agent's comment may keep: anything else in a comment (a device name
// such as "Jane's iPad", a custom build string) may name a person and is dropped.
const UA_PLATFORM_WORDS = /^(?:U|Linux|Android|iPhone|iPad|iPod|Macintosh|Windows|X11|SMART-TV|Mobile|wv|KHTML|like Gecko|CrKey|Tizen|webOS|Web0S|Roku|AFT\w*|PlayStation \d|Xbox(?: One| Series [SX])?|Nintendo \w+|Windows NT [\d.]+|CPU (?:iPhone )?OS [\d_]+(?: like Mac OS X)?|Intel Mac OS X [\d_.]+|Win64|x64|WOW64|arm64|aarch64|x86_64|rv:[\d.]+|[A-Za-z-]+ [\d._]+|[\d._]+)$/;

/**
 * A user agent cut down to what analytics use: product/version tokens and known platform words
 * inside comments. Run after PII scrubbing; masked spans ([kind], p_…, tok_…) are kept.
 */
export function generaliseUserAgent(ua: string): string {
  const masked = /^(?:\[\w+\]|p_[0-9a-f]+|tok_[0-9a-f]+)$/;
  const parts = ua.match(/\([^)]*\)?|[^\s(]+/g) ?? [];
  return parts
    .map((part) => {
      if (part.startsWith('(')) {
        const kept = part.replace(/^\(|\)$/g, '').split(/[;,]/).map((c) => c.trim()).filter((c) => UA_PLATFORM_WORDS.test(c) || masked.test(c));
        return kept.length ? `(${kept.join('; ')})` : '';
      }
      return /^[A-Za-z][\w.+-]*\/[\w.+-]+$/.test(part) || masked.test(part) ? part : '';
    })
    .filter(Boolean)
    .join(' ');
}
