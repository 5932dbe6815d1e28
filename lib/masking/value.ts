import { applyRule, ENTITY_KIND, type MaskKeys } from '../masking';
import type { DataKind, MaskRule } from '../policy-masking';
import type { PiiEntity } from '../pii-detect';
import { classify, isSafeLiteral, percentDecode, placeholder, type Classification } from './classify';

// One value that is not a known literal → what the masked tables show instead. The allow-list
// rule in one place, shared by route templates, query strings and audit-trail targets.

/** Where a field's personal data was seen, for the counts (field name → kind → values). */
export type SeenCounts = Map<string, Map<PiiEntity, number>>;

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
  /** The field being masked ("resource", "user_agent", "target"), for the counts. */
  field: string;
  /** Receives the kinds of personal data found (optional: the mask step counts them). */
  seen?: SeenCounts;
}

export function count(c: ValueContext, found: readonly PiiEntity[]): void {
  if (!c.seen || found.length === 0) return;
  let byKind = c.seen.get(c.field);
  if (!byKind) c.seen.set(c.field, (byKind = new Map()));
  for (const k of found) byKind.set(k, (byKind.get(k) ?? 0) + 1);
}

/**
 * The masked form of a classified value: one whole piece of personal data gets its kind's
 * operator from the policy (`tok_…`, `[phone]`, `203.0.113.0/24`); anything else — and a value
 * whose operator drops it — gets the placeholder `{kind}` (classify.ts lists the kinds).
 */
export function replacement(cls: Classification, c: ValueContext): string {
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
 * (classify.ts isSafeLiteral) → itself; anything else → replacement(classify(value)).
 */
export function maskValue(raw: string, c: ValueContext): string {
  const person = c.people.get(raw) ?? (raw.includes('%') ? c.people.get(percentDecode(raw)) : undefined);
  if (person !== undefined) return person;
  if (isSafeLiteral(raw, c.personWords)) return raw;
  return replacement(classify(raw), c);
}
