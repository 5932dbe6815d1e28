import { decodeHTML } from 'entities';
import { namesAPerson } from './person-names';
import { detectPii, type PiiEntity, type PiiSpan } from './detector';

// The classifier behind the allow-list: it never decides whether a value is kept (only a known
// literal is kept, see isSafeLiteral), it decides what a value that is not kept is replaced by —
// its kind's masking operator when the value is one piece of personal data, a typed placeholder
// otherwise — and it reports every kind of personal data it saw, decoded forms included, for the
// counts. Values are decoded before they are scanned: percent-encoding as often as it was applied
// (`%2540` is an "@" encoded twice), base64 and base64url, and the header and payload of a JWT.

/** What a value that is not a known literal is replaced by, as `{kind}`. */
export const PLACEHOLDER_KINDS = [
  'email', 'phone', 'card', 'iban', 'ssn', 'ip', // personal data the detector recognises
  'jwt', 'b64', 'uuid', 'hex', 'date', 'id', 'num', 'text', // shapes
  'account', 'ua', // set by their grammar: an ARN's account id, a user agent nothing could be read from
] as const;
export type PlaceholderKind = (typeof PLACEHOLDER_KINDS)[number];

export const ENTITY_PLACEHOLDER: Record<PiiEntity, PlaceholderKind> = {
  EMAIL_ADDRESS: 'email', PHONE_NUMBER: 'phone', CREDIT_CARD: 'card', IBAN_CODE: 'iban', US_SSN: 'ssn', IP_ADDRESS: 'ip',
};

const PLACEHOLDERS = new Map<string, string>(PLACEHOLDER_KINDS.map((k) => [k, `{${k}}`]));
/** `{kind}`: made once per kind (a value masked to a placeholder allocates none). */
export const placeholder = (kind: PlaceholderKind) => PLACEHOLDERS.get(kind) ?? `{${kind}}`;

export interface Classification {
  /** The placeholder kind: the first personal data found (decoded), else the value's shape. */
  kind: PlaceholderKind;
  /** Set when the whole (decoded) value is one piece of personal data: its kind's operator applies. */
  whole?: PiiSpan;
  /** Every kind of personal data seen in the value or its decoded forms (for the counts). */
  found: PiiEntity[];
}

/**
 * Percent-decodes as often as the value was encoded (at most 8 rounds), run by run, so that one
 * malformed escape does not stop the rest from being decoded. `plusIsSpace` for form-encoded
 * query strings (application/x-www-form-urlencoded), where "+" is a space.
 */
export function percentDecode(value: string, plusIsSpace = false): string {
  // Without a "%" the loop below finds no escape: only the "+"s (if any) change.
  if (!value.includes('%')) return plusIsSpace && value.includes('+') ? value.replace(/\+/g, ' ') : value;
  let s = plusIsSpace ? value.replace(/\+/g, ' ') : value;
  for (let round = 0; round < 8 && /%[0-9A-Fa-f]{2}/.test(s); round++) {
    const next = s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        // Not UTF-8 as a whole: decode the escapes that form ASCII, keep the rest as written.
        return run.replace(/%([0-7][0-9A-Fa-f])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      }
    });
    if (next === s) break;
    s = next;
  }
  return s;
}

/**
 * Character escapes that carry text through HTML, JSON and JavaScript: HTML character references
 * (`&#64;`, `&#x40;`, `&commat;`; the `entities` package, WHATWG's list) and `\u0040` /
 * `%u0040` escapes (JSON, RFC 8259 §7; JavaScript's old escape()). Values without `&` or `u`
 * after a backslash or `%` are returned as they are.
 */
export function unescapeText(value: string): string {
  let s = value;
  if (s.includes('&')) s = decodeHTML(s);
  if (/[\\%]u[0-9A-Fa-f]{4}/.test(s)) s = s.replace(/[\\%]u([0-9A-Fa-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return s;
}

// Text that base64 decoding may turn into something: at least 8 characters of one alphabet.
const BASE64 = /^[A-Za-z0-9+/_-]{8,}={0,2}$/;
const JWT = /^(eyJ[A-Za-z0-9_-]+)\.(eyJ[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

/** Base64 or base64url (RFC 4648 §4, §5) decoded to text, or null when it does not decode to readable UTF-8. */
export function base64Text(value: string): string | null {
  if (!BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) return null;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 5) return null;
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return null; // not UTF-8
  const printable = [...text].filter((c) => !/[\p{Cc}\p{Cn}\p{Co}]/u.test(c) || c === '\n' || c === '\t').length;
  return printable / [...text].length >= 0.9 ? text : null;
}

const SHAPES: Array<[PlaceholderKind, RegExp]> = [
  ['uuid', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i],
  ['date', /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/],
  ['id', /^\d+$/],
  ['num', /^[+-]?[\d\s.,()/-]*\d[\d\s.,()/-]*$/],
  ['hex', /^(?=.*\d)(?=.*[a-f])[0-9a-f]{8,}$|^(?=.*\d)(?=.*[A-F])[0-9A-F]{8,}$/],
  ['id', /^(?=.*\d)[A-Za-z0-9]+(?:[._:-][A-Za-z0-9]+)*$/],
  ['b64', /^[A-Za-z0-9+/_-]{16,}={0,2}$/],
];

function scan(text: string, found: PiiEntity[]): PiiSpan[] {
  const spans = detectPii(text);
  for (const s of spans) if (!found.includes(s.entity)) found.push(s.entity);
  // An "@" between two non-space characters is an address even where the pattern is stricter.
  if (!found.includes('EMAIL_ADDRESS') && /[^\s@]@[^\s@]/.test(text)) found.push('EMAIL_ADDRESS');
  return spans;
}

/**
 * Classifies one value (a path segment, a query value, a word of an audit target), already
 * percent-decoded by the caller or not: it is decoded again here. Pure and cheap for plain words.
 */
export function classify(raw: string): Classification {
  const value = unescapeText(percentDecode(raw)).trim();
  const found: PiiEntity[] = [];
  const jwt = JWT.exec(value);
  if (jwt) {
    for (const part of [jwt[1]!, jwt[2]!]) {
      const text = base64Text(part);
      if (text) scan(text, found);
    }
    return { kind: 'jwt', found };
  }
  const spans = scan(value, found);
  const first = spans[0];
  if (first && spans.length === 1 && value.slice(0, first.start).trim() === '' && value.slice(first.end).trim() === '') {
    return { kind: ENTITY_PLACEHOLDER[first.entity], whole: first, found };
  }
  // The letter tests first: they are cheap, and base64Text is pure, so not decoding a value
  // without an upper-case letter, or without a lower-case letter or digit, changes nothing.
  const decoded = /[A-Z]/.test(value) && /[a-z0-9]/.test(value) ? base64Text(value) : null;
  if (decoded !== null) {
    const inner = scan(decoded, found);
    const one = inner[0];
    if (one && inner.length === 1 && decoded.slice(0, one.start).trim() === '' && decoded.slice(one.end).trim() === '') {
      return { kind: ENTITY_PLACEHOLDER[one.entity], whole: one, found };
    }
    return { kind: found.length ? ENTITY_PLACEHOLDER[found[0]!] : 'b64', found };
  }
  if (found.length) return { kind: ENTITY_PLACEHOLDER[found[0]!], found };
  for (const [kind, re] of SHAPES) if (re.test(value)) return { kind, found };
  return { kind: 'text', found };
}

/** What a value that holds no personal data (found empty) classifies as, one object per kind, frozen. */
const PLAIN: Readonly<Record<PlaceholderKind, Readonly<Classification>>> = Object.fromEntries(
  PLACEHOLDER_KINDS.map((kind) => [kind, Object.freeze({ kind, found: Object.freeze([]) as unknown as PiiEntity[] })]),
) as Record<PlaceholderKind, Readonly<Classification>>;

// The kinds of values that held no personal data, by raw value. classify is a pure function of
// its argument and a value recurs across the distinct URLs of a window ("8812" in many session
// paths, a user id in each of their pages), so a remembered kind is its classification. Only
// values in which nothing was found are remembered, so this holds no detected personal data;
// bounded, emptied when full.
const PLAIN_MAX = 100_000;
const plainKinds = new Map<string, PlaceholderKind>();

/**
 * classify(raw), remembered for values without personal data: the result is shared and frozen,
 * never to be changed by the caller (the masking's own callers only read it).
 */
export function classifyShared(raw: string): Readonly<Classification> {
  const kind = plainKinds.get(raw);
  if (kind !== undefined) return PLAIN[kind];
  const cls = classify(raw);
  if (cls.found.length > 0 || cls.whole) return cls;
  if (plainKinds.size >= PLAIN_MAX) plainKinds.clear();
  plainKinds.set(raw, cls.kind);
  return PLAIN[cls.kind];
}

// ── known literals ───────────────────────────────────────────────────────────────────────────

// Lower-case ASCII words joined by "-" or "_", starting with a letter, at most 32 characters
// and at most two digits ("v1", "oauth2", "s3", "eu-west-1"): the shape of route words, resource
// types, namespaces and action names. Upper case, other scripts, dots, "@", "%", "+", "=" and
// digit runs are what names, addresses, numbers and encodings are made of, so none is a literal.
const LITERAL = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/**
 * Whether `word` may be kept as it is: the safe shape above, not a given name next to a family
 * name ("ines-varga", person-names.ts), and none of its parts one of `personWords` (the words of
 * the row's own people's identifiers, lower-cased: a user id "zelda" in
 * "/profiles/zelda-settings" is not a literal).
 */
export function isSafeLiteral(word: string, personWords?: ReadonlySet<string>): boolean {
  if (word.length > 32 || !LITERAL.test(word)) return false;
  let digits = 0;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) >= 48 && word.charCodeAt(i) <= 57) digits++;
  if (digits > 2) return false;
  // A handle made of a given and a family name ("ines-varga"): person-names.ts.
  if ((word.includes('-') || word.includes('_')) && namesAPerson(word.split(/[-_]/))) return false;
  if (personWords && personWords.size > 0) {
    // word.split(/[-_]/), part by part in the same order, without the array: LITERAL leaves no empty part.
    let from = 0;
    for (let i = 0; i <= word.length; i++) {
      const ch = word.charCodeAt(i); // NaN past the end
      if (i === word.length || ch === 45 || ch === 95) {
        if (personWords.has(word.slice(from, i))) return false;
        from = i + 1;
      }
    }
  }
  return true;
}

// A parameter or logfmt key: an ASCII name (camelCase allowed), at most two digits, that
// decodes to nothing (a base64 blob ending in "=" reads as key=value) and holds no personal data.
const KEY_SHAPE = /^[A-Za-z_][A-Za-z0-9_.\-[\]]{0,40}$/;

// The keys found safe: a pure function of the key, and a window's URLs repeat a few parameter
// names ("page", "slot") hundreds of thousands of times. Names only (what is safe holds no
// personal data); bounded, emptied when full.
const SAFE_KEYS_MAX = 10_000;
const safeKeys = new Set<string>();

/** Whether `key` (a query parameter name, a logfmt key) may be kept as it is. */
export function isSafeKey(key: string): boolean {
  if (safeKeys.has(key)) return true;
  if (!KEY_SHAPE.test(key) || (key.match(/\d/g) ?? []).length > 2) return false;
  const safe = base64Text(key) === null && detectPii(key).length === 0 && !namesAPerson(key.toLowerCase().split(/[._-]/));
  if (safe) {
    if (safeKeys.size >= SAFE_KEYS_MAX) safeKeys.clear();
    safeKeys.add(key);
  }
  return safe;
}

/**
 * The words that may name a person inside the given identifiers, lower-cased: the words of an
 * e-mail's local part, of an identifier written as a name ("zelda.quartermaine", "Zelda Q"),
 * or a letters-only identifier as a whole ("zelda"); 3+ letters, no digits. Service and
 * numbered ids ("svc-auth", "user-5502") give none: their words are a platform's vocabulary.
 */
export function wordsOf(ids: ReadonlyArray<string | null | undefined>): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    if (!id) continue;
    const at = id.indexOf('@');
    const local = (at > 0 ? id.slice(0, at) : id).toLowerCase();
    if (at < 0 && !/[.\s]/.test(local) && !/^\p{L}+$/u.test(local)) continue;
    for (const w of local.split(/[^\p{L}\p{N}]+/u)) if (w.length >= 3 && !/\d/.test(w)) out.add(w);
  }
  return out;
}
