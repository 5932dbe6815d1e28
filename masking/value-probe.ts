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

// What one probe asked, as classes rather than object literals made per call: the latter's
// methods are named anew on every call under the build's keepNames (a defineProperty each),
// which cost as much as the masking of a short URL. Behaviour is the same.

/** The row's people as the probe sees them: nobody, with every id asked recorded. */
class AskedPeople {
  readonly asked = new Set<string>();
  get(id: string): undefined {
    this.asked.add(id);
    return undefined;
  }
}

/** The words of the row's people as the probe sees them: none, with every word asked recorded. */
class AskedWords {
  // size > 0: isSafeLiteral only looks words up in a non-empty set.
  readonly size = 1;
  readonly asked = new Set<string>();
  has(word: string): boolean {
    this.asked.add(word);
    return false;
  }
}

/** The probe's keys: no owner's data key, with whether one was asked for recorded. */
class ProbeKeys {
  ownerUsed = false;
  constructor(
    readonly pseudonymKey: string,
    readonly pseudonyms: Map<string, string> | undefined,
  ) {}
  dataKey(): undefined {
    this.ownerUsed = true;
    return undefined;
  }
  onToken(): void {}
}

/**
 * Masks one value by `mask` in a context without people that records what it asked (see above).
 * A token or ciphertext needs the owner's key, which the probe does not have: such a value comes
 * back with `ownerUsed` and its redacted form, and each of its rows is masked again with its owner.
 */
export function probeValue(mask: (c: ValueContext) => string, base: ValueBase): ProbedValue {
  const people = new AskedPeople();
  const personWords = new AskedWords();
  const keys = new ProbeKeys(base.pseudonymKey, base.pseudonyms);
  const seen: SeenCounts = new Map();
  const masked = mask({
    rules: base.rules,
    owner: PROBE_OWNER,
    keys: keys as MaskKeys,
    people: people as unknown as ReadonlyMap<string, string>,
    personWords: personWords as unknown as ReadonlySet<string>,
    personKey: base.personKey,
    field: 'probe',
    at: '',
    seen,
  });
  return { masked, askedIds: [...people.asked], askedWords: [...personWords.asked], ownerUsed: keys.ownerUsed, found: foundKinds(seen) };
}
