import { createHmac } from 'node:crypto';

// Keyed HMAC-SHA-256 pseudonyms: stable across runs (so analytics can join on them), useless
// without the key (so a leak of the analytics side names nobody). The SQL twin is
// govflow.pseudonym() in the initial migration; a unit test keeps the two in agreement.

export const PSEUDONYM_PREFIX = 'p_';
const HEX_CHARS = 32; // 128 bits: collisions are not a practical concern at platform scale

// The mask step asks for one person's pseudonym many times over (their key in the people phase,
// then as the owner of each of their values masked again), through MaskKeys objects that carry
// no cache of their own; an HMAC costs ~3 µs, a Map lookup ~0.1 µs. The HMAC is a pure function
// of (key, value), so a remembered result is the result. Bounded: emptied when it reaches
// MEMO_MAX entries (~25 MB at most), so a long-lived worker neither grows nor keeps old windows'
// people for long.
const MEMO_MAX = 200_000;
const memo = new Map<string, Map<string, string>>();
let memoSize = 0;

export function pseudonym(value: string, key: string): string {
  let byValue = memo.get(key);
  let p = byValue?.get(value);
  if (p !== undefined) return p;
  p = PSEUDONYM_PREFIX + createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, HEX_CHARS);
  if (memoSize >= MEMO_MAX) {
    memo.clear();
    memoSize = 0;
    byValue = undefined;
  }
  if (!byValue) memo.set(key, (byValue = new Map()));
  byValue.set(value, p);
  memoSize++;
  return p;
}
