import type { MaskingPolicy } from '../policy/masking';
import type { PiiEntity } from './detector';
import type { MaskKeys, VaultEntry } from './operators';
import { pseudonymOf } from './operators';
import { personKey, valueContext } from './mask-record';
import { maskResource, type RouteTemplate } from './route-template';
import { maskTarget } from './audit-target';
import { generaliseUserAgent } from './ua';
import type { SeenCounts, ValueContext } from './value';
import { foundKinds, probeValue, type ProbedValue, type ValueBase } from './value-probe';

// The JavaScript half of the set-based mask step (masking/mask-window.ts): masking distinct
// free-text values, first without their rows' people ("probe"), then again with the people the
// probe asked about ("again"). Pure functions of their input and this setup, so that pages of
// values can be masked on worker threads (masking/mask-threads.ts) as well as on the step's own.

/** What masking free text needs besides the value: plain data, so that it crosses to a worker thread. */
export interface TextMaskingSetup {
  policy: MaskingPolicy;
  routes: readonly RouteTemplate[];
  /** The window's learned path words ("position/word"), or absent when the policy learns none. */
  vocabulary?: readonly string[];
  pseudonymKey: string;
}

/** A distinct value of a free-text field: 'resource' (URL), 'user_agent' or 'target' (audit trail). */
export interface TextValue {
  field: string;
  value: string;
}

/** A value with the row's people the probe asked about: p1 the owner, p2 the access event's principal ('' when not asked), k1/k2 their keys. */
export interface TextValueWithPeople extends TextValue {
  p1: string;
  p2: string;
  k1: string | null;
  k2: string | null;
}

export interface ProbeResult {
  probed: ProbedValue[];
  /** People named by identifier parameters ("?user=…"), who need vault entries when ids are tokenised. */
  identifierIds: string[];
}

export interface AgainResult {
  masked: string[];
  /** The kinds the classifier found in each value, once per finding. */
  found: PiiEntity[][];
  /** Tokens minted, for pii_vault. */
  vault: VaultEntry[];
}

/**
 * `shared`: the step's own pseudonym cache, when this masking runs on the step's thread: the
 * people phase has computed every person's pseudonym into it already, and the values masked
 * again ask for the same people (a second HMAC each otherwise, 100,000 people at 1M events).
 */
export function textMasking(setup: TextMaskingSetup, shared?: Map<string, string>) {
  const { policy, routes, pseudonymKey } = setup;
  const vocabulary = setup.vocabulary ? new Set(setup.vocabulary) : undefined;
  const targetPolicy = { ...policy, routes };
  const tokenisedIds = policy.kinds.person_id.operator === 'tokenise';
  // The step's pseudonyms (one person is asked for again and again: as the owner of each of their
  // values), remembered for this step only and bounded; see pseudonym.ts for why not for longer.
  const pseudonyms = shared ?? new Map<string, string>();
  const remembered = () => {
    if (pseudonyms.size >= 200_000) pseudonyms.clear();
    return pseudonyms;
  };
  const maskText = (field: string, value: string) => (c: ValueContext) =>
    field === 'resource' ? maskResource(value, c, policy, routes, vocabulary) : maskTarget(value, c, targetPolicy);

  return {
    /** Masks each value as if its rows had no people, recording what the masking asked about them (value-probe.ts). */
    probe(values: readonly TextValue[]): ProbeResult {
      const identifierIds = new Set<string>();
      const idKeys: MaskKeys = { pseudonymKey, pseudonyms: remembered(), dataKey: () => undefined, onToken: () => {} };
      const base: ValueBase = {
        rules: policy.kinds,
        pseudonymKey,
        pseudonyms: remembered(),
        personKey: (id) => {
          if (tokenisedIds) identifierIds.add(id);
          return personKey(id, policy, idKeys) ?? '';
        },
      };
      const probed = values.map(({ field, value }) => {
        if (field !== 'user_agent') return probeValue(maskText(field, value), base);
        const found: PiiEntity[] = [];
        return { masked: generaliseUserAgent(value, found), askedIds: [], askedWords: [], ownerUsed: false, found };
      });
      return { probed, identifierIds: [...identifierIds] };
    },

    /** Masks each value again with the people the probe asked about; `dataKeys` are the owners' data keys by subject ref. */
    again(values: readonly TextValueWithPeople[], dataKeys: ReadonlyMap<string, Uint8Array>): AgainResult {
      const vault: VaultEntry[] = [];
      const keys: MaskKeys = {
        pseudonymKey,
        pseudonyms: remembered(),
        dataKey: (ref) => {
          const k = dataKeys.get(ref);
          return k && Buffer.from(k.buffer, k.byteOffset, k.byteLength);
        },
        onToken: (e) => vault.push(e),
        sealed: new Set(),
      };
      const masked: string[] = [];
      const found: PiiEntity[][] = [];
      for (const r of values) {
        const people: Array<[string, string]> = [];
        if (r.p1 !== '' && r.k1) people.push([r.p1, r.k1]);
        if (r.p2 !== '' && r.k2) people.push([r.p2, r.k2]);
        const local: SeenCounts = new Map();
        const c = valueContext(policy, keys, r.p1 === '' ? null : pseudonymOf(r.p1, keys), people, 'again', '', { seen: local });
        masked.push(maskText(r.field, r.value)(c));
        found.push(foundKinds(local));
      }
      return { masked, found, vault };
    },
  };
}

export type TextMasking = ReturnType<typeof textMasking>;
