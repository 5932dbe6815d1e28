import { pseudonym } from './pseudonym';
import type { AccessRecord, AuditTrailRecord } from '../ingest/records';
import { applyRule, pseudonymOf, toHour, tokenFor, type MaskKeys } from './operators';
import type { PiiEntity } from './detector';
import { wordsOf } from './classify';
import { maskResource, type PathVocabulary, type RouteTemplate } from './route-template';
import { maskTarget } from './audit-target';
import { generaliseUserAgent } from './ua';
import { noteSeen, type SeenCounts, type ValueContext } from './value';
import type { MaskingPolicy } from '../policy/masking';
import type { Selectable } from 'kysely';
import type { DB } from '../db/schema';

// Raw rows → analytics-safe rows, field by field, as the masking policy says. Pure: the caller
// loads keys and stores vault entries.

/** A row of access_events as the mask step reads it: the canonical record plus its identity. */
export type RawAccessEvent = Pick<
  AccessRecord,
  'principal' | 'subject_id' | 'action' | 'resource' | 'data_category' | 'purpose' | 'source_ip' | 'region' | 'user_agent'
> & {
  source: string;
  event_id: string;
  occurred_at: string | Date;
  outcome: string;
};

/**
 * A row of a masked table as the mask step writes it (db/schema.ts, generated from the
 * migrations), less what the step's SQL adds (the run, the key id, the time it was masked).
 */
type MaskedRowOf<T extends 'govflow.masked_events' | 'govflow.masked_audit_trail'> = Omit<
  Selectable<DB[T]>,
  'key_id' | 'masked_at' | 'workflow_id' | 'occurred_hour'
> & { occurred_hour: string };

export type MaskedAccessEvent = MaskedRowOf<'govflow.masked_events'>;

/** A row of audit_trail_events as the mask step reads it. */
export type RawAuditTrailEvent = Pick<AuditTrailRecord, 'actor' | 'action' | 'target' | 'source_ip'> & {
  source: string;
  event_id: string;
  occurred_at: string | Date;
  outcome: string;
  region: string | null;
};

export type MaskedAuditTrailEvent = MaskedRowOf<'govflow.masked_audit_trail'>;

/** The reference a person's vault entries are filed under: their pseudonym. */
export const subjectRef = (id: string | null, pseudonymKey: string) => (id ? pseudonym(id, pseudonymKey) : null);
const refOf = (id: string | null, keys: MaskKeys) => (id ? pseudonymOf(id, keys) : null);

/** A person's id as the masked tables show it (pseudonym or token): stable, so rows can be found again. */
export function personKey(id: string | null, policy: MaskingPolicy, keys: MaskKeys): string | null {
  if (!id) return null;
  const ref = refOf(id, keys)!;
  // Without the data key (finding rows again, not writing them) the token is still computable.
  if (policy.kinds.person_id.operator === 'tokenise' && !keys.dataKey(ref)) return tokenFor(id, 'person_id', ref, keys.pseudonymKey);
  return applyRule(policy.kinds.person_id, 'person_id', id, ref, keys);
}

/** Options of one mask step beyond the masking policy. */
export interface MaskOptions {
  /** Principal markers of anonymous access ("-", "anonymous"): kept as they are, never a person (access.anonymousPrincipals). */
  anonymous?: readonly string[];
  /** Compiled `masking.routes` (compileRoutes); compiled once per step, not per row. */
  routes?: readonly RouteTemplate[];
  /** Receives the kinds of personal data found per field (the mask step's counts). */
  seen?: SeenCounts;
  /** Path words learned from the window's traffic (masking.literalMinPrincipals > 0). */
  vocabulary?: PathVocabulary;
}

// The closure is made here rather than in valueContext's object literal, where the build's
// keepNames would name it anew on every call (a defineProperty per value masked).
const personKeyOf = (policy: MaskingPolicy, keys: MaskKeys) => (id: string) => personKey(id, policy, keys) ?? '';

/** The ValueContext of one row's free text: its people (raw id → key), their words, its owner. */
export function valueContext(policy: MaskingPolicy, keys: MaskKeys, owner: string | null, people: Array<[string, string]>, field: string, at: string, o: MaskOptions): ValueContext {
  return {
    rules: policy.kinds,
    owner,
    keys,
    people: new Map(people),
    personWords: wordsOf(people.map(([raw]) => raw)),
    personKey: personKeyOf(policy, keys),
    field,
    at,
    seen: o.seen,
  };
}

/** A user agent rebuilt from its parsed fields (masking/ua.ts), through the step's cache. */
function maskUserAgent(ua: string, fieldKey: string, at: string, policy: MaskingPolicy, keys: MaskKeys, o: MaskOptions): string | null {
  if (policy.userAgent === 'drop') return null;
  // The rebuilt form and the kinds found depend on the user agent alone: cached together, as
  // "masked\0KIND,KIND" (a few thousand user agents recur millions of times).
  let entry = keys.cleanText?.get(ua);
  if (entry === undefined) {
    const found: PiiEntity[] = [];
    entry = `${generaliseUserAgent(ua, found)}\0${found.join(',')}`;
    if (keys.cleanText && keys.cleanText.size < 100_000) keys.cleanText.set(ua, entry);
  }
  const cut = entry.lastIndexOf('\0');
  if (o.seen && cut < entry.length - 1) noteSeen(o.seen, fieldKey, at, entry.slice(cut + 1).split(',') as PiiEntity[]);
  return entry.slice(0, cut);
}

/** A principal as a person, or null for an anonymous marker (which stays as it is). */
const isAnonymous = (id: string | null, o: MaskOptions) => id !== null && (o.anonymous ?? []).includes(id);

/**
 * An access event masked field by field: people → keys, time → hour, IP → prefix, the URL as a
 * route template with its query masked by kind (masking/route-template.ts), the user agent
 * rebuilt from its parsed fields. An anonymous principal marker stays as it is and names nobody.
 */
export function maskAccessEvent(e: RawAccessEvent, policy: MaskingPolicy, keys: MaskKeys, o: MaskOptions = {}): MaskedAccessEvent {
  const owner = refOf(e.subject_id, keys);
  const anonymous = isAnonymous(e.principal, o);
  const principalKey = anonymous ? e.principal : personKey(e.principal, policy, keys);
  const subjectKey = personKey(e.subject_id, policy, keys);
  const people: Array<[string, string]> = [];
  if (e.subject_id && subjectKey) people.push([e.subject_id, subjectKey]);
  if (e.principal && principalKey && !anonymous) people.push([e.principal, principalKey]);
  const routes = o.routes ?? [];
  const at = new Date(e.occurred_at).toISOString();
  return {
    source: e.source,
    event_id: e.event_id,
    occurred_hour: toHour(e.occurred_at)!,
    principal_key: principalKey,
    subject_key: subjectKey,
    action: e.action,
    resource: e.resource === null ? null : maskResource(e.resource, valueContext(policy, keys, owner, people, `${e.source}\tresource`, at, o), policy, routes, o.vocabulary),
    data_category: e.data_category,
    purpose: e.purpose,
    outcome: e.outcome,
    ip_prefix: e.source_ip === null ? null : applyRule(policy.kinds.ip_address, 'ip_address', e.source_ip, owner, keys),
    region: e.region,
    user_agent: e.user_agent === null ? null : maskUserAgent(e.user_agent, `${e.source}\tuser_agent`, at, policy, keys, o),
  };
}

/** An audit-trail event masked field by field; the target by its grammar (masking/audit-target.ts). */
export function maskAuditTrailEvent(e: RawAuditTrailEvent, policy: MaskingPolicy, keys: MaskKeys, o: MaskOptions = {}): MaskedAuditTrailEvent {
  const anonymous = isAnonymous(e.actor, o);
  const owner = anonymous ? null : refOf(e.actor, keys);
  const actorKey = anonymous ? e.actor : personKey(e.actor, policy, keys);
  const people: Array<[string, string]> = e.actor && actorKey && !anonymous ? [[e.actor, actorKey]] : [];
  const target = { ...policy, routes: o.routes ?? [] };
  return {
    source: e.source,
    event_id: e.event_id,
    occurred_hour: toHour(e.occurred_at)!,
    actor_key: actorKey,
    action: e.action,
    target: e.target === null ? null : maskTarget(e.target, valueContext(policy, keys, owner, people, `${e.source}\ttarget`, new Date(e.occurred_at).toISOString(), o), target),
    outcome: e.outcome,
    ip_prefix: e.source_ip === null ? null : applyRule(policy.kinds.ip_address, 'ip_address', e.source_ip, owner, keys),
    region: e.region,
  };
}
