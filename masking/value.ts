import { applyRule, ENTITY_KIND, type MaskKeys } from './operators';
import type { DataKind, MaskRule } from '../policy/masking';
import type { PiiEntity } from './detector';
import { classifyShared, isSafeLiteral, percentDecode, placeholder, type Classification } from './classify';

// One value that is not a known literal → what the masked tables show instead. The allow-list
// rule in one place, shared by route templates, query strings and audit-trail targets.

/** How often one kind of personal data was seen in one field, and when first and last (ISO times). */
export interface Seen {
  count: number;
  first: string;
  last: string;
}
/** The sensitivity counts of a mask step, keyed "source\tfield\tENTITY". */
export type SeenCounts = Map<string, Seen>;

/** Counts `found` for the field `fieldKey` ("source\tfield") at time `at`. */
export function noteSeen(seen: SeenCounts | undefined, fieldKey: string, at: string, found: readonly PiiEntity[]): void {
  if (!seen) return;
  for (const k of found) {
    const key = `${fieldKey}\t${k}`;
    const s = seen.get(key);
    if (!s) seen.set(key, { count: 1, first: at, last: at });
    else {
      s.count++;
      if (at < s.first) s.first = at;
      if (at > s.last) s.last = at;
    }
  }
}

export interface ValueContext {
  rules: Record<DataKind, MaskRule>;
  /** The owner whose data key seals reversible forms (tokens), or null. */
  owner: string | null;
  keys: MaskKeys;
  /** The row's people: raw identifier → its masked key. A value equal to one becomes the key. */
  people: ReadonlyMap<string, string>;
  /** Lower-case words of the row's people's identifiers: never kept as literals. */
  personWords: ReadonlySet<string>;
  /** Any person's identifier → their masked key (pseudonym or token), for identifier parameters. */
  personKey(id: string): string;
  /** The source and field being masked ("web-access\tresource"), for the counts. */
  field: string;
  /** When the row's event happened (ISO), for the counts' first and last seen. */
  at: string;
  /** Receives the kinds of personal data found (optional: the mask step counts them). */
  seen?: SeenCounts;
}

export function count(c: ValueContext, found: readonly PiiEntity[]): void {
  if (found.length) noteSeen(c.seen, c.field, c.at, found);
}

/**
 * The masked form of a classified value: one whole piece of personal data gets its kind's
 * operator from the policy (`tok_…`, `[phone]`, `203.0.113.0/24`); anything else — and a value
 * whose operator drops it — gets the placeholder `{kind}` (classify.ts lists the kinds).
 */
export function replacement(cls: Readonly<Classification>, c: ValueContext): string {
  count(c, cls.found);
  if (cls.whole) {
    const kind = ENTITY_KIND[cls.whole.entity];
    const masked = applyRule(c.rules[kind], kind, cls.whole.value.trim(), c.owner, c.keys);
    if (masked !== null) return masked;
  }
  return placeholder(cls.kind);
}

/**
 * A value masked by the allow-list rule: one of the row's people → their key; a safe literal
 * (classify.ts isSafeLiteral) → itself, unless `mayKeep` is false (a part the caller knows is
 * not one: half of a name); anything else → replacement(classify(value)).
 */
export function maskValue(raw: string, c: ValueContext, mayKeep = true): string {
  const person = c.people.get(raw) ?? (raw.includes('%') ? c.people.get(percentDecode(raw)) : undefined);
  if (person !== undefined) return person;
  if (mayKeep && isSafeLiteral(raw, c.personWords)) return raw;
  return replacement(classifyShared(raw), c);
}
