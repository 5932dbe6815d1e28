import { z } from 'zod';
import { addressOrHost, bad, parseObject, pick, utcIfZoneless, type CanonicalObject, type Format, type Parsed } from './types';

// Kubernetes API server audit log: one audit.k8s.io Event per line (apiVersion v1 or v1beta1,
// or none in old captures), or an EventList (what the webhook backend posts) on one line.
// 401/403 responses are denied access; other 4xx/5xx failures.
//
// One request is logged once per stage it reaches, every stage with the request's auditID
// (audit.k8s.io/v1 Event, field `stage`): RequestReceived (before any response: no responseStatus,
// no requestObject), ResponseStarted (long-running requests such as watch), ResponseComplete, or
// Panic. Only the last stage says how the request ended, so each stage is stored with its rank
// (details.stageRank) and ingest keeps, per auditID, the row of the highest rank whatever order the
// stages arrive in (ingest/chunk-loader.ts): one event per request, its outcome, response code
// and request body from the stage that carries them.

const options = z.strictObject({ field: z.string().optional() }).prefault({});

/** How complete a stage's record is: a higher rank supersedes a lower one of the same auditID. */
export const STAGE_RANK: Readonly<Record<string, number>> = { RequestReceived: 1, ResponseStarted: 2, ResponseComplete: 3, Panic: 4 };

function targetOf(ref: Record<string, unknown> | undefined, uri: unknown): string | null {
  if (!ref) return typeof uri === 'string' ? uri : null;
  const parts = [ref.namespace, ref.resource, ref.name].filter((p) => typeof p === 'string' && p !== '');
  const base = parts.join('/');
  return ref.subresource ? `${base}/${ref.subresource}` : base || (typeof uri === 'string' ? uri : null);
}

/**
 * The request's user. A request the API server could not authenticate is logged with an empty
 * `user` ({} in audit.k8s.io/v1beta1, before the anonymous authenticator named it): that is
 * Kubernetes' `system:anonymous`, flagged `unauthenticated`.
 */
function userOf(e: Record<string, unknown>): { actor: unknown; unauthenticated?: true } {
  const user = e.user;
  if (user && typeof user === 'object' && !Array.isArray(user)) {
    const name = (user as Record<string, unknown>).username;
    if (typeof name === 'string' && name !== '') return { actor: name };
    if (name === undefined || name === '') return { actor: 'system:anonymous', unauthenticated: true };
  }
  return { actor: pick(e, 'user.username') };
}

/** One audit.k8s.io Event as a canonical audit-trail object (checked afterwards by ingest/records.ts). */
export function k8sAuditEvent(e: Record<string, unknown>): CanonicalObject {
  const raw = pick(e, 'responseStatus.code');
  const code = raw === undefined || raw === null || raw === '' ? NaN : Number(raw);
  const ips = e.sourceIPs;
  const { source_ip, source_host } = addressOrHost(Array.isArray(ips) ? ips[0] : undefined);
  const decision = (e.annotations as Record<string, unknown> | undefined)?.['authorization.k8s.io/decision'];
  const { actor, unauthenticated } = userOf(e);
  const stage = typeof e.stage === 'string' ? e.stage : undefined;
  const stageRank = stage ? STAGE_RANK[stage] : undefined;
  return {
    event_id: e.auditID,
    time: utcIfZoneless(e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp ?? pick(e, 'metadata.creationTimestamp') ?? e.p_event_time),
    actor,
    action: e.verb ?? (typeof e.requestURI === 'string' ? 'request' : undefined),
    target: targetOf(e.objectRef as Record<string, unknown> | undefined, e.requestURI),
    outcome: code === 401 || code === 403 || (Number.isNaN(code) && decision === 'forbid') ? 'denied' : code >= 400 ? 'failed' : 'success',
    source_ip,
    details: {
      requestURI: e.requestURI,
      responseCode: Number.isFinite(code) ? code : null,
      groups: pick(e, 'user.groups'),
      decision,
      userAgent: e.userAgent,
      // What a (cluster) role binding grants: the audit rules tell a cluster-admin binding by it.
      roleRef: pick(e, 'requestObject.roleRef'),
      ...(stage ? { stage } : {}),
      ...(stageRank ? { stageRank } : {}),
      ...(unauthenticated ? { unauthenticated } : {}),
      ...(source_host ? { source_host } : {}),
    },
  };
}

export const k8sAuditFormat: Format<typeof options> = {
  name: 'k8s-audit',
  kinds: ['audit'],
  options,
  create(o) {
    return {
      parse(text): Parsed {
        const j = parseObject(text, o.field);
        if ('error' in j) return bad(j.error);
        const e = j.value;
        if (e.kind === 'EventList' && Array.isArray(e.items)) {
          // An item that is not an object becomes {}: the record check quarantines it on its own.
          return { ok: true, objects: e.items.map((i) => (i && typeof i === 'object' && !Array.isArray(i) ? k8sAuditEvent(i as Record<string, unknown>) : {})) };
        }
        if (e.kind !== 'Event') return bad('not an audit.k8s.io Event (kind is not "Event")');
        return { ok: true, objects: [k8sAuditEvent(e)] };
      },
    };
  },
};
