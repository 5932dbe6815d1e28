import { isIPv6 } from 'node:net';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

// PII detection in free text (user agents, URLs and query strings, notes). Each recogniser is a
// candidate pattern plus a validator (Luhn for cards, mod-97 for IBANs, the SSA rules for SSNs),
// because patterns alone flag every long number. Overlapping finds are resolved by entity
// priority (a checksum-validated match beats a phone-shaped one), then by length.
// Measured against Presidio's recognizer test cases: test/unit/pii-detect-presidio.test.ts.

export const PII_ENTITIES = ['EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'PHONE_NUMBER'] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

export interface PiiSpan {
  entity: PiiEntity;
  start: number;
  end: number;
  value: string;
}

type Recogniser = (text: string) => Array<[number, number]>;

function matches(re: RegExp, text: string, accept: (m: RegExpExecArray) => [number, number] | null): Array<[number, number]> {
  // The module's patterns are global and shared: reset, then walk (no per-call regex copies).
  const out: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const span = accept(m);
    if (span) out.push(span);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

const whole = (m: RegExpExecArray): [number, number] => [m.index, m.index + m[0].length];

// ── email ────────────────────────────────────────────────────────────────────────────────────
// RFC 6531 lets the local part and the domain be any script (anna.müller@例え.jp), and RFC 5233
// sub-addressing adds "+tag": letters, marks and digits of every script are accepted.
const EMAIL = /(?<![\p{L}\p{M}\p{N}._%+-])[\p{L}\p{M}\p{N}._%+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?\.)+(?:\p{L}[\p{L}\p{M}]+|xn--[A-Za-z0-9-]+)(?![\p{L}\p{M}\p{N}_-])/gu;
const email: Recogniser = (t) => matches(EMAIL, t, whole);

// ── credit card: digit groups of a card's length, an issuer's IIN range, then Luhn ──────────
// Candidates are 13–19 digits, contiguous or in groups (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3)
// separated by one space or dash. Thirteen digits starting with 1 are far more often ids than
// (long-retired) cards.
const CARD = /(?<![\w-])(?!1\d{12}(?!\d))[1-9]\d{3}([- ]?)\d{2,7}(?:\1\d{2,7}){0,3}(?![\w-])/g;

/**
 * Whether `digits` starts in an issuer's IIN range at a length that issuer uses. Ranges from the
 * card networks' published tables (ISO/IEC 7812 registrations, as collected by
 * braintree/credit-card-type): Visa 4; Mastercard 51–55 and the 2-series 222100–272099; Amex
 * 34, 37; Diners 300–305, 36, 38–39; Discover 6011, 644–649, 65; JCB 3528–3589; UnionPay 62,
 * 81; Maestro 50, 56–69; Mir 2200–2204; RuPay 60, 65, 81, 82, 508; Elo, Hipercard (50, 60,
 * 63); Troy 9792; UATP 1 (15 digits); Verve 506, 650.
 */
export function issuerRange(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19;
  if (p2 >= 51 && p2 <= 55) return n === 16;
  if (p6 >= 222100 && p6 <= 272099) return n === 16;
  if (p4 >= 2200 && p4 <= 2204) return n >= 16 && n <= 19;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p4 >= 3000 && p4 <= 3059)) return n >= 14 && n <= 19;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;
  if (digits[0] === '5' || digits[0] === '6') return n >= 12 && n <= 19; // Maestro, Discover, UnionPay, RuPay, Elo, Verve
  if (p2 === 81 || p2 === 82) return n >= 16 && n <= 19;
  if (p4 === 9792) return n === 16;
  if (digits[0] === '1') return n === 15;
  return false;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const creditCard: Recogniser = (t) =>
  matches(CARD, t, (m) => {
    // Groups run on into the next number ("… 1881 4012 8888 …"): the longest valid prefix of whole groups.
    const groups = m[1] ? m[0].split(m[1]) : [m[0]];
    for (let k = groups.length; k >= 1; k--) {
      const text = groups.slice(0, k).join(m[1] ?? '');
      const digits = groups.slice(0, k).join('');
      if (digits.length >= 13 && digits.length <= 19 && issuerRange(digits) && luhnValid(digits)) return [m.index, m.index + text.length];
    }
    return null;
  });

// ── IBAN: country, check digits, BBAN of the country's length; separators every 4; mod-97 ────
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};
// Upper or lower case (people type "de89 3704 …"), printed in groups of four or not at all.
const IBAN_START = /(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})/g;

export function ibanChecksumValid(compact: string): boolean {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

const iban: Recogniser = (t) =>
  matches(IBAN_START, t, (m) => {
    const length = IBAN_LENGTHS[m[1]!.toUpperCase()];
    if (!length) return null;
    // One case throughout: "De89…" is a word, not an IBAN someone typed.
    const lower = m[1] === m[1]!.toLowerCase();
    if (!lower && m[1] !== m[1]!.toUpperCase()) return null;
    // Walk forward collecting exactly `length` characters, allowing one separator (space or
    // dash, the same throughout) before each group of four.
    let i = m.index + 4;
    let compact = m[0].toUpperCase();
    let sep: string | undefined;
    while (compact.length < length) {
      const ch = t[i];
      if (ch === undefined) return null;
      if ((ch === ' ' || ch === '-') && (compact.length % 4 === 0)) {
        if (sep !== undefined && sep !== ch) return null;
        sep = ch;
        i++;
        continue;
      }
      if (!(lower ? /[a-z0-9]/ : /[A-Z0-9]/).test(ch)) return null;
      compact += ch.toUpperCase();
      i++;
    }
    if (/[A-Za-z0-9]/.test(t[i] ?? '')) return null;
    return ibanChecksumValid(compact) ? [m.index, i] : null;
  });

// ── US SSN: 3-2-4 digits (one separator kind) or nine digits; SSA's never-issued numbers fail ─
const SSN = /(?<![\w.-])(?:\d{3}([- .])\d{2}\1\d{4}|\d{3}-\d{6}|\d{5}-\d{4}|\d{9})(?![\w-]|\.\d)/g;

export function ssnValid(candidate: string): boolean {
  const seps = new Set(candidate.replace(/\d/g, ''));
  if (seps.size > 1) return false;
  const d = candidate.replace(/\D/g, '');
  if (d.length !== 9 || /^(\d)\1{8}$/.test(d)) return false;
  const area = d.slice(0, 3);
  // Never issued: area 000, 666 and 900–999; group 00; serial 0000; and the well-known samples.
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return !['123456789', '078051120'].includes(d) && !d.startsWith('98765432');
}

const usSsn: Recogniser = (t) => matches(SSN, t, (m) => (ssnValid(m[0]) ? whole(m) : null));

// ── IP addresses: dotted quads with valid octets; IPv6 (incl. zone, embedded IPv4) by parser ─
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\w)`, 'g');
const IPV6_RUN = /(?<![\w:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?/g;

const ipAddress: Recogniser = (t) => [
  ...matches(IPV4, t, whole),
  ...matches(IPV6_RUN, t, (m) => {
    let s = m[0];
    // A sentence may end right after an address: drop trailing dots until it parses.
    while (s.length >= 2 && !isIPv6(s) && s.endsWith('.')) s = s.slice(0, -1);
    if (s.length < 2 || !isIPv6(s) || (s.match(/:/g) ?? []).length < 2) return null;
    return /\w/.test(t[m.index + s.length] ?? '') ? null : [m.index, m.index + s.length];
  }),
];

// ── phone numbers: international (+CC …) or common national layouts ──────────────────────────
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ -]?(?:\(\d{1,4}\)|\d{1,10})){1,6}(?![\w-])/g;
const PHONE_NATIONAL = new RegExp(
  [
    '\\(\\d{2,4}\\)[ -]?\\d{3,4}[ -]\\d{4}', // (415) 555-0132
    '\\(\\d{2,4}\\)\\d{3,4}-\\d{4}', // (415)555-0132
    '(?:\\d{1,4}-)?\\d{2,4}-\\d{3,4}-\\d{4}', // 415-555-0132, 090-1234-5678, 91-415-555-0132
    '0\\d{1,2}-\\d{7}', // 09-7625400
    '1[3-9]\\d{9}', // mainland China mobile
  ]
    .map((p) => `(?<![\\w(+-])${p}(?![\\w-])`)
    .join('|'),
  'g',
);

/**
 * Countries whose national layouts (no "+CC", a trunk prefix 0 or 8) are recognised, checked
 * with libphonenumber's metadata (Google's, through libphonenumber-js "max"): the number must be
 * a possible length for that country and, unless it is written in a layout of groups, valid.
 */
export const NATIONAL_PHONE_COUNTRIES: readonly CountryCode[] = ['FR', 'DE', 'GB', 'IT', 'ES', 'NL', 'BE', 'CH', 'AT', 'PL', 'SE', 'PT', 'IE', 'AU', 'JP', 'IN', 'BR', 'MX', 'RU', 'TR', 'KR', 'ZA'];

// Digits in groups of 2–5 separated by one kind of separator (space, dot, dash, slash), or an
// undivided run, starting with a trunk prefix: "06 39 98 12 35", "030/1234567", "07700 900123",
// "(0)30 1234567", "8 (495) 123-45-67", "0639981234".
const PHONE_TRUNK = /(?<![\w+.\/-])(?:\(0\)\s?)?(?:0|8[ (])[\d ().\/-]{6,18}\d(?![\w-]|[.\/-]\d)/g;

function nationalPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 13) return false;
  const seps = new Set(candidate.replace(/[\d()]/g, '').replace(/\s+/g, ' '));
  if (seps.size > 2) return false;
  const grouped = seps.size > 0;
  return NATIONAL_PHONE_COUNTRIES.some((country) => {
    const p = parsePhoneNumberFromString(candidate, country);
    // An undivided run of digits is an id as often as a phone: it must be a valid number there.
    return p !== undefined && (grouped ? p.isPossible() : p.isValid());
  });
}

// Digits in 2–5 groups with one separator, perhaps after an area code in parentheses, not
// starting with a trunk 0: the layouts of countries that dial nationally without one, or where it
// is left out: "612 34 56 78" (ES), "347.555.0199" (US, IT), "(11) 98765-4321" (BR), "912 345 678" (PT).
const PHONE_GROUPED = /(?<![\w+.\/(-])(?:\(\d{2,4}\)\s?)?[1-9]\d{0,4}([ .-])\d{2,5}(?:\1\d{2,5}){0,3}(?![\w-]|[.\/-]\d)/g;
const GROUPED_COUNTRIES: readonly CountryCode[] = [...NATIONAL_PHONE_COUNTRIES, 'US', 'CA'];
const groupLengths = (s: string) => (s.match(/\d+/g) ?? []).map((g) => g.length).join(' ');

/**
 * A grouped number without a trunk prefix is a phone number when it is valid in one of
 * GROUPED_COUNTRIES and written in that country's own national grouping (libphonenumber's
 * formatNational, its trunk prefix aside): "123 456 789" or a date "2026 11 01 12" is valid
 * somewhere, but is not grouped as a phone number is there.
 */
function groupedPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits < 9 || digits > 11) return false;
  const groups = groupLengths(candidate);
  return GROUPED_COUNTRIES.some((country) => {
    const p = parsePhoneNumberFromString(candidate, country);
    return p !== undefined && p.isValid() && groupLengths(p.formatNational().replace(/^\(?0\)?\s?/, '')) === groups;
  });
}

const phoneNumber: Recogniser = (t) => [
  ...matches(PHONE_INTL, t, (m) => {
    const n = m[0].replace(/\D/g, '').length;
    return n >= 8 && n <= 15 ? whole(m) : null;
  }),
  ...matches(PHONE_NATIONAL, t, whole),
  ...matches(PHONE_TRUNK, t, (m) => (nationalPhone(m[0]) ? whole(m) : null)),
  ...matches(PHONE_GROUPED, t, (m) => (groupedPhone(m[0]) ? whole(m) : null)),
];

// Earlier entities win overlaps: a checksum is stronger evidence than a shape.
const RECOGNISERS: Array<[PiiEntity, Recogniser]> = [
  ['EMAIL_ADDRESS', email],
  ['IBAN_CODE', iban],
  ['CREDIT_CARD', creditCard],
  ['US_SSN', usSsn],
  ['IP_ADDRESS', ipAddress],
  ['PHONE_NUMBER', phoneNumber],
];

// The shortest IBAN (Norway's): a text shorter than this holds none.
const IBAN_MIN = Math.min(...Object.values(IBAN_LENGTHS));

/**
 * Whether `text` is too plain for any recogniser to find something in it: no "@" (email), no ":"
 * (IPv6), fewer than three "." (IPv4), fewer than 8 ASCII digits (every card, SSN and phone
 * layout needs more: cards 13, SSNs 9, the national layouts 9, the international and trunk ones
 * 8 by their checks), and shorter than the shortest IBAN. Short ids ("user-5502", "8812") are.
 */
export function tooPlain(text: string): boolean {
  if (text.length >= IBAN_MIN) return false;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) digits++;
    else if (ch === 46) dots++;
    else if (ch === 64 || ch === 58) return false; // "@", ":"
  }
  return digits < 8 && dots < 3;
}

/** Every PII span in `text`, non-overlapping, in order of position. */
export function detectPii(text: string, only?: readonly PiiEntity[]): PiiSpan[] {
  // Every supported entity needs a digit, an "@" or a ":"; most path segments have none.
  if (!/[\d@:]/.test(text) || tooPlain(text)) return [];
  return detectPiiUnchecked(text, only);
}

/** detectPii without its pre-checks: exported for the test that they skip only texts in which this finds nothing. */
export function detectPiiUnchecked(text: string, only?: readonly PiiEntity[]): PiiSpan[] {
  const found: PiiSpan[] = [];
  RECOGNISERS.forEach(([entity, recognise]) => {
    if (only && !only.includes(entity)) return;
    // Within an entity, longest first, so an IPv4 inside an IPv6 yields to the IPv6.
    const spans = recognise(text).sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
    for (const [start, end] of spans) {
      if (found.some((f) => start < f.end && f.start < end)) continue;
      found.push({ entity, start, end, value: text.slice(start, end) });
    }
  });
  return found.sort((a, b) => a.start - b.start);
}

/** `text` with each detected span replaced by what `replace` returns for it. */
export function scrubPii(text: string, replace: (span: PiiSpan) => string, only?: readonly PiiEntity[]): string {
  let out = '';
  let at = 0;
  for (const span of detectPii(text, only)) {
    out += text.slice(at, span.start) + replace(span);
    at = span.end;
  }
  return out + text.slice(at);
}
