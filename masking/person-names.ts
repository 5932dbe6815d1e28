import { allLocales } from '@faker-js/faker';

// Handles made of a person's name: "ines-varga", "mats_holm", "pia.lund", "varga-ines". Each
// part has the shape of a route word, so the shape alone (classify.ts isSafeLiteral) would keep
// them; a given name next to a family name is what tells them apart from "watch-history".
//
// The names are those of the locale definitions @faker-js/faker ships (77 locales: about 24,000
// given names and 19,000 family names, folded to lower-case ASCII), a maintained, multilingual
// list. Both parts must be on it, next to each other in either order, so route words that happen
// to be given names ("max-age", "grace-period", "summer-sale") stay literals. A name that is not
// on the list, or a single word ("wilmastrom"), is not caught: README "Known limit".

interface Names {
  given: Set<string>;
  family: Set<string>;
}

let names: Names | undefined;

// Lower-case, accents removed (NFD, then combining marks dropped): "Ruíz" → "ruiz".
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

function collect(into: Set<string>, value: unknown): void {
  if (typeof value === 'string') {
    // Only single words of letters: "de la Cruz" or a pattern string adds nothing a handle's part can match.
    const w = fold(value);
    if (/^[a-z]{2,}$/.test(w)) into.add(w);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(into, v);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collect(into, v);
  }
}

function loadNames(): Names {
  const given = new Set<string>();
  const family = new Set<string>();
  for (const [locale, definition] of Object.entries(allLocales)) {
    if (locale === 'en_BORK') continue; // the Swedish Chef's locale: a joke, not names
    const person = (definition as { person?: { first_name?: unknown; last_name?: unknown } }).person;
    collect(given, person?.first_name);
    collect(family, person?.last_name);
  }
  return { given, family };
}

const isPair = (n: Names, a: string, b: string) => (n.given.has(a) && n.family.has(b)) || (n.family.has(a) && n.given.has(b));

/**
 * Whether the lower-case words `parts`, in their order, hold a given name next to a family name
 * (either order). Loads the lists on first use (about 100 ms, 4 MB).
 */
export function namesAPerson(parts: readonly string[]): boolean {
  return personPairs(parts).size > 0;
}

/**
 * The indexes of `parts` that are a given name next to a family name (either order): the path
 * segments of `/users/anna/svensson` or an object reference's parts, each a word on its own.
 */
export function personPairs(parts: readonly string[]): Set<number> {
  const out = new Set<number>();
  if (parts.length < 2) return out;
  names ??= loadNames();
  for (let i = 0; i + 1 < parts.length; i++) {
    if (isPair(names, parts[i]!, parts[i + 1]!)) out.add(i).add(i + 1);
  }
  return out;
}
