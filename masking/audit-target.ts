import ipaddr from 'ipaddr.js';
import { classifyShared, isSafeKey, isSafeLiteral, placeholder } from './classify';
import { maskResource, type QueryPolicy, type RouteTemplate } from './route-template';
import { maskValue, replacement, type ValueContext } from './value';
import { namesAPerson, personPairs } from './person-names';
import { embeddedIPv4 } from './ip';

// Audit-trail targets, split by their own grammar and kept part by part where each part is a
// known literal (classify.ts isSafeLiteral); every other part is masked by value.ts.
//  - AWS ARNs, comma-separated as CloudTrail's resources list them:
//    arn:partition:service:region:account-id:resource, the resource "type/id" or "type:id"
//    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). The account id
//    becomes {account}.
//  - s3://bucket/key (CloudTrail requestParameters): bucket as a word, key as a path.
//  - URL paths (Kubernetes requestURI, HTTP targets): route templates (route-template.ts).
//  - logfmt, key=value and key="quoted value with spaces" (https://brandur.org/logfmt): keys
//    of the shape of a name are kept; identifier keys' values become person keys; a quoted value
//    is one value, however many words it has.
//  - object references, namespace/resource/name[/subresource] (Kubernetes objectRef) or
//    kind/name, and colon-joined names (system:serviceaccount:ns:name): part by part.
//  - host names whose last label is a common suffix (iam.amazonaws.com): label by label.

export interface TargetPolicy extends QueryPolicy {
  routes: readonly RouteTemplate[];
}

const HOST_SUFFIX = /\.(?:com|net|org|io|dev|cloud|local|internal|localdomain|lan|svc)$/;
// logfmt tokens: key="quoted" (or 'quoted', as Python's repr and shell-minded writers quote),
// key=value, "quoted" or 'quoted', bare.
const TOKEN = /([^\s="']+)=("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|\S*)|"((?:[^"\\]|\\.)*)"?|'((?:[^'\\]|\\.)*)'?|(\S+)/g;

const isQuoted = (v: string) => v.startsWith('"') || v.startsWith("'");
const unquote = (v: string) => (isQuoted(v) ? v.slice(1, v.endsWith(v[0]!) && v.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1') : v);

function maskArn(arn: string, c: ValueContext): string {
  const parts = arn.split(':');
  if (parts.length < 6) return maskValue(arn, c);
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const word = (w: string) => (w === '' || isSafeLiteral(w, c.personWords) ? w : maskValue(w, c));
  const acct = account === '' || account === 'aws' ? account : placeholder('account');
  return ['arn', word(partition), word(service), word(region), acct, maskRef(parts.slice(5).join(':'), c)].join(':');
}

/** An object reference or resource id, part by part between "/" and ":" separators. */
function maskRef(ref: string, c: ValueContext): string {
  const person = c.people.get(ref);
  if (person !== undefined) return person;
  if (isSafeLiteral(ref, c.personWords) || ref === '*') return ref;
  // An IPv6 address or an e-mail address is one value, not parts between ":" or "/".
  const whole = classifyShared(ref);
  if (whole.whole) return replacement(whole, c);
  const ip = ipv6Within(ref);
  if (ip) return maskAroundIp(ref, ip, c);
  if (/^[^\s/:]+(?:[/:][^\s/:]*)+$/.test(ref)) {
    const parts = ref.split(/([/:])/);
    // A name written over two parts (`users/anna/svensson`): neither is a literal.
    const names = personPairs(parts.filter((_, i) => i % 2 === 0));
    return parts.map((p, i) => (p === '/' || p === ':' || p === '' || p === '*' ? p : names.has(i / 2) ? maskValue(p, c, false) : maskWord(p, c))).join('');
  }
  return maskWord(ref, c);
}

// Candidates for an IPv6 address inside a reference, where the detector's word boundaries do
// not hold: after a name and ":" (`edge-gw:64:ff9b::b9c7:b10f`), or followed by a port written
// with "." (`2002:b9c7:b30e::1.51234`, tcpdump's style). Checked by ipaddr.js.
const IPV6_CANDIDATE = /(?<![0-9A-Za-z])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}/g;

/**
 * The [start, end) of the first IPv6 address written inside `ref` with something around it
 * (brackets and a port, a prefix length, a list, a name), or undefined. Split at ":" part by
 * part, its hextets would pass as words (`b9c7`) and spell out the IPv4 address a 6to4 or
 * NAT64 address carries.
 */
function ipv6Within(ref: string): [number, number] | undefined {
  IPV6_CANDIDATE.lastIndex = 0;
  for (let m = IPV6_CANDIDATE.exec(ref); m; m = IPV6_CANDIDATE.exec(ref)) {
    if (m[0] === '') { IPV6_CANDIDATE.lastIndex++; continue; }
    const whole = ipv6Length(m[0]);
    if (whole !== undefined) return [m.index, m.index + whole];
    // `::ffff:…` after a name's ":" (`edge-gw:::ffff:…`): the first ":" is the name's separator.
    const afterName = m[0].startsWith(':::') ? ipv6Length(m[0].slice(1)) : undefined;
    if (afterName !== undefined) return [m.index + 1, m.index + 1 + afterName];
  }
  return undefined;
}

/** How much of `s` is an IPv6 address once a trailing ".51234" (a port) or ".1.2" is dropped part by part. */
function ipv6Length(s: string): number | undefined {
  for (;;) {
    // Two hextets at least: `::`, `::1` or `a::b` alone (C++-style names) are not worth a guess.
    const hextets = s.match(/[0-9A-Fa-f]+/g)?.length ?? 0;
    if (hextets >= 2 && (s.includes('::') || (s.match(/:/g) ?? []).length === 7) && ipaddr.IPv6.isValid(s)) return s.length;
    const dot = s.lastIndexOf('.');
    if (dot < 0) return undefined;
    s = s.slice(0, dot);
  }
}

/**
 * `ref` with the IPv6 address at `ip` masked as one value (its kind's operator: a /24 or /48
 * prefix by default), the brackets, port or list comma around it kept (they name no one), a
 * prefix length after it dropped, and whatever else surrounds it masked as a reference of its own.
 */
function maskAroundIp(ref: string, [start, end]: [number, number], c: ValueContext): string {
  const left = ref.slice(0, start);
  const ip = ref.slice(start, end);
  // A prefix length written after the address goes: the masked form carries its own (/24, /48).
  // When the written network is wider than that form (`2001:db8::/32`), the form would claim a
  // precision the input did not have: the address is then only named, `{ip}`.
  const written = /^\/(\d{1,3})(?!\d)/.exec(ref.slice(end));
  const right = written ? ref.slice(end + written[0].length) : ref.slice(end);
  let masked = replacement(classifyShared(ip), c);
  if (written && !narrowEnough(ip, Number(written[1]))) masked = placeholder('ip');
  const keptLeft = /[[(,:=]*$/.exec(left)![0];
  const keptRight = /^(?:[\])]|[:.]\d{1,5}(?!\d)|,)*/.exec(right)![0];
  const restLeft = left.slice(0, left.length - keptLeft.length);
  const restRight = right.slice(keptRight.length);
  return (
    (restLeft ? maskRef(restLeft, c) : '') +
    keptLeft +
    masked +
    keptRight +
    (restRight ? maskRef(restRight, c) : '')
  );
}

/**
 * Whether an IPv6 network `ip`/`length` is at least as narrow as its generalised form: /48, or
 * for an embedded IPv4 address its /24 (6to4 carries it in bits 16–47, so /40; mapped, NAT64,
 * compatible and Teredo in the low 32 bits, so /120). masking/ip.ts names the embeddings.
 */
function narrowEnough(ip: string, length: number): boolean {
  if (embeddedIPv4(ip) === null) return length >= 48;
  const b = ipaddr.IPv6.parse(ip).toByteArray();
  return b[0] === 0x20 && b[1] === 0x02 ? length >= 40 : length >= 120;
}

function maskWord(word: string, c: ValueContext): string {
  if (HOST_SUFFIX.test(word)) {
    const labels = word.split('.');
    // A host named after a person (`pia.lund.example.com`) is not kept: person-names.ts.
    if (labels.every((l) => isSafeLiteral(l, c.personWords)) && !namesAPerson(labels)) return word;
  }
  return maskValue(word, c);
}

/** One part of a target that is not key=value: by the grammar its first characters show. */
function maskPart(part: string, c: ValueContext, p: TargetPolicy): string {
  if (part.startsWith('arn:')) return part.split(',').map((a) => (a.startsWith('arn:') ? maskArn(a, c) : maskValue(a, c))).join(',');
  if (part.startsWith('/')) return maskResource(part, c, p, p.routes);
  const s3 = /^s3:\/\/([^/]*)(\/.*)?$/.exec(part);
  if (s3) return `s3://${maskWord(s3[1]!, c)}${s3[2] ? maskResource(s3[2], c, p, p.routes) : ''}`;
  return maskRef(part, c);
}

/** A logfmt token of a target: key=value (quoted or not), a quoted string, or a bare word. */
type TargetToken =
  | { kind: 'pair'; key: string; value: string; quoted: boolean; raw: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'bare'; text: string };

// A bare word that may continue an unquoted value: no grammar of its own (path, ARN, S3 URL,
// object reference) and not a key.
const CONTINUES_VALUE = /^[^/:="']+$/;
// A "key" that is a path, an ARN or an S3 URL with a query string: one part, masked by its grammar.
const GRAMMAR_PART = /^(?:\/|arn:|s3:)/;

/**
 * The target's logfmt tokens. Unquoted values with spaces (`name=anna maria svensson
 * account=…`) are taken whole: logfmt writers quote such values (sfdx-core PR #280), but a
 * hand-built audit line often does not, and each word masked alone would be kept as a safe
 * word (nuclei PR #5463 describes that leak in a redactor). The words after an unquoted value,
 * up to the next key=value, belong to it.
 */
function targetTokens(target: string): TargetToken[] {
  const tokens: TargetToken[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(target); m; m = TOKEN.exec(target)) {
    if (m[0] === '') { TOKEN.lastIndex++; continue; }
    const last = tokens[tokens.length - 1];
    const bare = m[5];
    if (m[1] !== undefined) {
      const quoted = isQuoted(m[2]!);
      tokens.push({ kind: 'pair', key: m[1], value: quoted ? unquote(m[2]!) : m[2]!, quoted, raw: m[0] });
    } else if (m[3] !== undefined || m[4] !== undefined) {
      tokens.push({ kind: 'quoted', text: (m[3] ?? m[4])! });
    } else if (last?.kind === 'pair' && !last.quoted && last.value !== '' && !GRAMMAR_PART.test(last.key) && CONTINUES_VALUE.test(last.value) && CONTINUES_VALUE.test(bare!)) {
      last.value += ` ${bare!}`;
    } else {
      tokens.push({ kind: 'bare', text: bare! });
    }
  }
  return tokens;
}

/**
 * One value of a key=value pair (logfmt) or of a JSON member: an identifier key's value → the
 * person's key; a value of several words (quoted, or unquoted up to the next key) → one value;
 * a single word → by its own grammar (maskPart).
 */
function maskKeyedValue(key: string, value: string, oneValue: boolean, c: ValueContext, p: TargetPolicy): string {
  if (value === '') return '';
  if (p.identifierParams.includes(key.toLowerCase())) return c.personKey(value);
  if (oneValue || /\s/.test(value)) return isSafeLiteral(value, c.personWords) ? value : maskValue(value, c);
  return maskPart(value, c, p);
}

/**
 * A JSON target (`{"pan":"6011 1111 1111 1117","holder":"acct-6004"}`, CloudTrail's
 * requestParameters written as text), member by member: keys of the shape of a name kept,
 * strings by maskKeyedValue under their member's name, integers of up to five digits, booleans
 * and nulls kept, other numbers masked as text; nested objects and arrays alike.
 */
function maskJson(value: unknown, key: string, c: ValueContext, p: TargetPolicy): unknown {
  if (typeof value === 'string') return maskKeyedValue(key, value, false, c, p);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 100_000 ? value : maskValue(String(value), c);
  if (Array.isArray(value)) return value.map((v) => maskJson(v, key, c, p));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [isSafeKey(k) ? k : maskValue(k, c), maskJson(v, k, c, p)]));
  }
  return value;
}

/** An audit-trail target masked by its grammar (see above): never a part that is not a known literal. */
export function maskTarget(target: string, c: ValueContext, p: TargetPolicy): string {
  if (/^\s*[{[]/.test(target)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(target);
    } catch {
      // Not JSON after all: logfmt and words below.
    }
    if (parsed !== null && typeof parsed === 'object') return JSON.stringify(maskJson(parsed, '', c, p));
  }
  // A path, an ARN list or an S3 URL is one part, "=" in its query string notwithstanding, and
  // so are the spaces in its object names (`s3://hr-docs/employees/elsa lind/contract.pdf`)
  // unless a key=value follows one.
  if (/^(?:\/|arn:|s3:\/\/)/.test(target) && !/\s[^\s="]+=/.test(target)) return maskPart(target, c, p);
  return targetTokens(target)
    .map((t) => {
      if (t.kind === 'bare') return maskPart(t.text, c, p);
      if (t.kind === 'quoted') return t.text === '' ? '""' : maskValue(t.text, c);
      const kv = t;
      if (GRAMMAR_PART.test(kv.key)) return maskPart(kv.raw, c, p);
      const key = isSafeKey(kv.key) ? kv.key : maskValue(kv.key, c);
      // A quoted value, or an unquoted one of several words, is one value (see targetTokens).
      return `${key}=${maskKeyedValue(kv.key, kv.value, kv.quoted, c, p)}`;
    })
    .join(' ');
}
