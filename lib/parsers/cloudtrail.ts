import { z } from 'zod';
import { addressOrHost, bad, parseObject, pick, utcIfZoneless, type CanonicalObject, type Format, type Parsed } from './types';

// AWS CloudTrail, both as delivered to S3 ({"Records": [...]} on one line per file) and as JSON
// lines (one event per line, as SIEM exports write them). AccessDenied and any
// *UnauthorizedOperation error are denied access; other error codes are failures.
// `options.field` unwraps an envelope such as {"log": {...}}.

const options = z.strictObject({ field: z.string().optional() }).prefault({});

function isDenied(errorCode: string): boolean {
  return /^(AccessDenied|.*UnauthorizedOperation|.*AccessDeniedException|UnauthorizedAccess|Client\.UnauthorizedOperation)$/.test(errorCode);
}

/** The most specific name CloudTrail gives the caller. */
function actorOf(identity: Record<string, unknown> | undefined): string | null {
  if (!identity) return null;
  for (const k of ['arn', 'userName', 'principalId', 'accountId', 'invokedBy', 'type']) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

function targetOf(event: Record<string, unknown>): string | null {
  const resources = event.resources;
  if (Array.isArray(resources) && resources.length) {
    const arns = resources.map((r) => (r as Record<string, unknown>)?.ARN).filter((a): a is string => typeof a === 'string');
    if (arns.length) return arns.join(',');
  }
  const bucket = pick(event, 'requestParameters.bucketName');
  if (typeof bucket === 'string') return `s3://${bucket}${typeof pick(event, 'requestParameters.key') === 'string' ? `/${pick(event, 'requestParameters.key')}` : ''}`;
  const source = event.eventSource;
  return typeof source === 'string' ? source : null;
}

export function cloudTrailEvent(event: Record<string, unknown>): CanonicalObject {
  const errorCode = typeof event.errorCode === 'string' ? event.errorCode : undefined;
  const { source_ip, source_host } = addressOrHost(event.sourceIPAddress);
  return {
    event_id: event.eventID,
    time: utcIfZoneless(event.eventTime ?? event['@timestamp']),
    actor: actorOf(event.userIdentity as Record<string, unknown> | undefined),
    action: event.eventName,
    target: targetOf(event),
    outcome: errorCode === undefined ? 'success' : isDenied(errorCode) ? 'denied' : 'failed',
    source_ip,
    region: event.awsRegion,
    details: {
      eventSource: event.eventSource,
      eventType: event.eventType,
      identityType: pick(event, 'userIdentity.type'),
      ...(errorCode ? { errorCode, errorMessage: event.errorMessage } : {}),
      ...(source_host ? { source_host } : {}),
      ...(event.readOnly !== undefined ? { readOnly: event.readOnly } : {}),
      ...(typeof event.userAgent === 'string' ? { userAgent: event.userAgent } : {}),
    },
  };
}

export const cloudtrailFormat: Format<typeof options> = {
  name: 'cloudtrail',
  kinds: ['audit'],
  options,
  create(o) {
    return {
      parse(text): Parsed {
        const j = parseObject(text, o.field);
        if ('error' in j) return bad(j.error);
        const doc = j.value;
        const records = doc.Records;
        if (Array.isArray(records)) {
          return { ok: true, objects: records.map((r) => (r && typeof r === 'object' ? cloudTrailEvent(r as Record<string, unknown>) : {})) };
        }
        if (!('eventName' in doc)) return bad('not a CloudTrail event (no eventName) nor a {"Records": [...]} file');
        return { ok: true, objects: [cloudTrailEvent(doc)] };
      },
    };
  },
};
