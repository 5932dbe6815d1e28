import type { MaskKeys } from './operators';
import type { PiiEntity } from './detector';
import type { SeenCounts, ValueContext } from './value';
import type { DataKind, MaskRule } from '../policy/masking';

// Free text is masked once per distinct value, not once per row, and the masked form is joined
// back to the rows in SQL. The masked form of a value may depend on the row it is in: a path
// segment that is the row's own subject becomes their key, a word of the row's people's names is
// never a literal, and an e-mail address is tokenised under the row's owner's data key. So the
// value is first masked as if its row had no people, while recording every lookup the masking
// made of them. A row whose people the masking never asked about gets that form; only the rows
// whose people it did ask about are masked again with them (per distinct value and people).
//
// This is exact, not a guess: the allow-list masks part by part, and a part's lookups of the
// row's people come before anything else is done with it, so with people the lookups are the
// same or fewer (a part that is a person is not looked at further).

/** A free-text value masked without its row's people, and what the masking asked about them. */
export interface ProbedValue {
  masked: string;
  /** Raw strings looked up as "one of the row's people" (path segments, query values …). */
  askedIds: string[];
  /** Lower-case words looked up as "a word of the row's people's identifiers". */
  askedWords: string[];
  /** Whether a reversible operator asked for the row's owner's data key (tokens, encryption). */
  ownerUsed: boolean;
  /** The kinds of personal data the classifier found, once per finding. */
  found: PiiEntity[];
}

/** The parts of a ValueContext that do not depend on the row. */
export interface ValueBase {
  rules: Record<DataKind, MaskRule>;
  pseudonymKey: string;
  /** The step's pseudonym cache (people recur across values). */
  pseudonyms?: Map<string, string>;
  /** Any person's key, for identifier parameters ("?user=…"): a value alone decides it. */
  personKey(id: string): string;
}

/** The kinds found, once per finding, from counts taken under one field. */
export function foundKinds(seen: SeenCounts): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (const [key, s] of seen) for (let i = 0; i < s.count; i++) out.push(key.slice(key.lastIndexOf('\t') + 1) as PiiEntity);
  return out;
}

const PROBE_OWNER = 'p_probe';

/**
 * Masks one value by `mask` in a context without people that records what it asked (see above).
 * A token or ciphertext needs the owner's key, which the probe does not have: such a value comes
 * back with `ownerUsed` and its redacted form, and each of its rows is masked again with its owner.
 */
export function probeValue(mask: (c: ValueContext) => string, base: ValueBase): ProbedValue {
  const askedIds = new Set<string>();
  const askedWords = new Set<string>();
  let ownerUsed = false;
  const people = {
    get(id: string) {
      askedIds.add(id);
      return undefined;
    },
  } as unknown as ReadonlyMap<string, string>;
  // size > 0: isSafeLiteral only looks words up in a non-empty set.
  const personWords = {
    size: 1,
    has(word: string) {
      askedWords.add(word);
      return false;
    },
  } as unknown as ReadonlySet<string>;
  const keys: MaskKeys = {
    pseudonymKey: base.pseudonymKey,
    pseudonyms: base.pseudonyms,
    dataKey: () => {
      ownerUsed = true;
      return undefined;
    },
    onToken: () => {},
  };
  const seen: SeenCounts = new Map();
  const masked = mask({ rules: base.rules, owner: PROBE_OWNER, keys, people, personWords, personKey: base.personKey, field: 'probe', at: '', seen });
  return { masked, askedIds: [...askedIds], askedWords: [...askedWords], ownerUsed, found: foundKinds(seen) };
}
