import { createHmac } from 'node:crypto';

// Keyed HMAC-SHA-256 pseudonyms: stable across runs (so analytics can join on them), useless
// without the key (so a leak of the analytics side names nobody). The SQL twin is
// govflow.pseudonym() in the initial migration; a unit test keeps the two in agreement.

export const PSEUDONYM_PREFIX = 'p_';
const HEX_CHARS = 32; // 128 bits: collisions are not a practical concern at platform scale

// Not remembered here: a module-level memo would keep raw identifiers in a long-lived worker's
// memory across windows (and past a person's erasure). Callers that ask for one person many
// times pass a step-scoped cache (MaskKeys.pseudonyms, operators.ts's pseudonymOf).
export function pseudonym(value: string, key: string): string {
  return PSEUDONYM_PREFIX + createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, HEX_CHARS);
}
