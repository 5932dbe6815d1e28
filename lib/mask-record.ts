import { pseudonym } from './pseudonym';
import type { AccessRecord, AuditTrailRecord } from './records';
import { applyRule, generaliseUserAgent, maskFreeText, pseudonymOf, toHour, tokenFor, type MaskKeys } from './masking';
import type { MaskingPolicy } from './policy-masking';

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

export interface MaskedAccessEvent {
  source: string;
  event_id: string;
  occurred_hour: string;
  principal_key: string | null;
  subject_key: string | null;
  action: string;
  resource: string | null;
  data_category: string | null;
  purpose: string | null;
  outcome: string;
  ip_prefix: string | null;
  region: string | null;
  user_agent: string | null;
}

/** A row of audit_trail_events as the mask step reads it. */
export type RawAuditTrailEvent = Pick<AuditTrailRecord, 'actor' | 'action' | 'target' | 'source_ip'> & {
  source: string;
  event_id: string;
  occurred_at: string | Date;
  outcome: string;
  region: string | null;
};

export interface MaskedAuditTrailEvent {
  source: string;
  event_id: string;
  occurred_hour: string;
  actor_key: string | null;
  action: string;
  target: string | null;
  outcome: string;
  ip_prefix: string | null;
  region: string | null;
}

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

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Replaces each known identifier (the row's own people) with its masked key, longest first. */
function replaceIdentifiers(text: string, people: Array<[string, string]>): string {
  let out = text;
  for (const [raw, masked] of [...people].sort((a, b) => b[0].length - a[0].length)) out = out.split(raw).join(masked);
  return out;
}

interface TextContext {
  policy: MaskingPolicy;
  keys: MaskKeys;
  owner: string | null;
  people: Array<[string, string]>;
}

/** Values that read as codes (lower-case slugs, numbers, masked spans), not as someone's name. */
const CODE_LIKE = /^(?:[a-z0-9][a-z0-9._:/-]*|\[\w+\]|p_[0-9a-f]+|tok_[0-9a-f]+)$/;

function maskValue(value: string, name: string, c: TextContext, keep: 'listed' | 'code-like'): string {
  if (c.policy.identifierParams.includes(name.toLowerCase())) return personKey(value, c.policy, c.keys) ?? '';
  const scrubbed = maskFreeText(replaceIdentifiers(value, c.people), c.policy.kinds, c.owner, c.keys);
  const kept = keep === 'listed' ? c.policy.keepQueryParams.includes(name) : CODE_LIKE.test(scrubbed);
  return kept ? scrubbed : '[redacted]';
}

/**
 * A URL path and query: the row's people become their keys, PII in the path is masked by kind,
 * query values are kept only for the policy's keepQueryParams (scrubbed), identifier parameters
 * become person keys, and every other value is redacted (a free-form value may hold a name).
 */
export function maskResource(resource: string, c: TextContext): string {
  const q = resource.indexOf('?');
  const path = q < 0 ? resource : resource.slice(0, q);
  const maskedPath = path
    .split('/')
    .map((seg) => {
      const decoded = safeDecode(seg);
      const masked = maskFreeText(replaceIdentifiers(decoded, c.people), c.policy.kinds, c.owner, c.keys);
      return masked === decoded ? seg : encodeURIComponent(masked).replace(/%5B/g, '[').replace(/%5D/g, ']');
    })
    .join('/');
  if (q < 0) return maskedPath;
  const params = resource
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      if (eq < 0) return encodeURIComponent(maskFreeText(name, c.policy.kinds, c.owner, c.keys));
      const value = maskValue(safeDecode(pair.slice(eq + 1)), name, c, 'listed');
      return `${encodeURIComponent(name)}=${value.replace(/[&#\s]/g, encodeURIComponent)}`;
    });
  return `${maskedPath}?${params.join('&')}`;
}

/** Audit-trail targets (key=value words): identifier keys become person keys, PII is masked, name-like words redacted. */
export function maskKeyValueText(text: string, c: TextContext): string {
  // Free-form words may be a name: a word outside key=value stays only if it reads as a code.
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const kv = word.match(/^([A-Za-z_][\w.-]*)=(.+)$/);
      return kv ? `${kv[1]}=${maskValue(kv[2]!, kv[1]!, c, 'code-like')}` : maskValue(word, '', c, 'code-like');
    })
    .join(' ');
}

function maskUserAgent(ua: string, c: TextContext): string {
  const cached = c.keys.cleanText?.get(ua);
  const named = replaceIdentifiers(ua, c.people);
  if (cached !== undefined && named === ua) return cached;
  const scrubbed = maskFreeText(named, c.policy.kinds, c.owner, c.keys);
  const masked = c.policy.userAgent === 'generalise' ? generaliseUserAgent(scrubbed) : scrubbed;
  // Most user agents name nobody and repeat across millions of events: remember those.
  if (named === ua && scrubbed === ua && c.keys.cleanText && c.keys.cleanText.size < 100_000) c.keys.cleanText.set(ua, masked);
  return masked;
}

export function maskAccessEvent(e: RawAccessEvent, policy: MaskingPolicy, keys: MaskKeys): MaskedAccessEvent {
  const owner = refOf(e.subject_id, keys);
  const principalKey = personKey(e.principal, policy, keys);
  const subjectKey = personKey(e.subject_id, policy, keys);
  const people: Array<[string, string]> = [];
  if (e.subject_id && subjectKey) people.push([e.subject_id, subjectKey]);
  if (e.principal && principalKey) people.push([e.principal, principalKey]);
  const c: TextContext = { policy, keys, owner, people };
  return {
    source: e.source,
    event_id: e.event_id,
    occurred_hour: toHour(e.occurred_at)!,
    principal_key: principalKey,
    subject_key: subjectKey,
    action: e.action,
    resource: e.resource === null ? null : maskResource(e.resource, c),
    data_category: e.data_category,
    purpose: e.purpose,
    outcome: e.outcome,
    ip_prefix: e.source_ip === null ? null : applyRule(policy.kinds.ip_address, 'ip_address', e.source_ip, owner, keys),
    region: e.region,
    user_agent: e.user_agent === null ? null : maskUserAgent(e.user_agent, { policy, keys, owner, people }),
  };
}

export function maskAuditTrailEvent(e: RawAuditTrailEvent, policy: MaskingPolicy, keys: MaskKeys): MaskedAuditTrailEvent {
  const owner = refOf(e.actor, keys);
  const actorKey = personKey(e.actor, policy, keys);
  const people: Array<[string, string]> = e.actor && actorKey ? [[e.actor, actorKey]] : [];
  return {
    source: e.source,
    event_id: e.event_id,
    occurred_hour: toHour(e.occurred_at)!,
    actor_key: actorKey,
    action: e.action,
    target: e.target === null ? null : maskKeyValueText(e.target, { policy, keys, owner, people }),
    outcome: e.outcome,
    ip_prefix: e.source_ip === null ? null : applyRule(policy.kinds.ip_address, 'ip_address', e.source_ip, owner, keys),
    region: e.region,
  };
}
