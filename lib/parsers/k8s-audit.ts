import { z } from 'zod';
import { addressOrHost, bad, one, parseObject, pick, utcIfZoneless, type Format } from './types';

// Kubernetes API server audit log: one audit.k8s.io Event per line (apiVersion v1 or v1beta1,
// or none in old captures). 401/403 responses are denied access; other 4xx/5xx failures.

const options = z.strictObject({ field: z.string().optional() }).prefault({});

function targetOf(ref: Record<string, unknown> | undefined, uri: unknown): string | null {
  if (!ref) return typeof uri === 'string' ? uri : null;
  const parts = [ref.namespace, ref.resource, ref.name].filter((p) => typeof p === 'string' && p !== '');
  const base = parts.join('/');
  return ref.subresource ? `${base}/${ref.subresource}` : base || (typeof uri === 'string' ? uri : null);
}

export const k8sAuditFormat: Format<typeof options> = {
  name: 'k8s-audit',
  kinds: ['audit'],
  options,
  create(o) {
    return {
      parse(text) {
        const j = parseObject(text, o.field);
        if ('error' in j) return bad(j.error);
        const e = j.value;
        if (e.kind !== 'Event') return bad('not an audit.k8s.io Event (kind is not "Event")');
        const code = Number(pick(e, 'responseStatus.code'));
        const ips = e.sourceIPs;
        const { source_ip, source_host } = addressOrHost(Array.isArray(ips) ? ips[0] : undefined);
        return one({
          event_id: e.auditID,
          time: utcIfZoneless(e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp ?? pick(e, 'metadata.creationTimestamp') ?? e.p_event_time),
          actor: pick(e, 'user.username'),
          action: e.verb ?? (typeof e.requestURI === 'string' ? 'request' : undefined),
          target: targetOf(e.objectRef as Record<string, unknown> | undefined, e.requestURI),
          outcome: code === 401 || code === 403 ? 'denied' : code >= 400 ? 'failed' : 'success',
          source_ip,
          details: {
            requestURI: e.requestURI,
            responseCode: Number.isFinite(code) ? code : null,
            groups: pick(e, 'user.groups'),
            decision: (e.annotations as Record<string, unknown> | undefined)?.['authorization.k8s.io/decision'],
            userAgent: e.userAgent,
            // What a (cluster) role binding grants: the audit rules tell a cluster-admin binding by it.
            roleRef: pick(e, 'requestObject.roleRef'),
            ...(source_host ? { source_host } : {}),
          },
        });
      },
    };
  },
};
