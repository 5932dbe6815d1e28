import { z } from 'zod';
import { addressOrHost, bad, parseObject, pick, skip, utcIfZoneless, type CanonicalObject, type Format, type Parsed } from './types';

// AWS CloudTrail, both as delivered to S3 ({"Records": [...]}, one document per file, of any size:
// ingest streams such a file record by record, see Format.jsonRecords) and as JSON lines (one
// event per line, as SIEM exports write them). `options.field` unwraps an envelope such as
// {"log": {...}}. Record fields as the AWS CloudTrail User Guide documents them ("CloudTrail record
// contents", "userIdentity element", "AWS Management Console sign-in events").

const options = z.strictObject({ field: z.string().optional() }).prefault({});

/**
 * Error codes that mean "not allowed" rather than "went wrong": IAM's AccessDenied (S3, IAM, STS),
 * the …AccessDeniedException of JSON APIs, EC2's Client.UnauthorizedOperation, Cognito's and
 * others' …NotAuthorized…, HTTP-style Forbidden/Unauthorized, and GuardDuty's UnauthorizedAccess.
 * Every other error code is a failure.
 */
const DENIED = /^(?:Client\.|Server\.)?(?:AccessDenied(?:Exception)?|.*UnauthorizedOperation|.*NotAuthorized.*|Forbidden(?:Exception)?|Unauthorized(?:Access|Exception)?|AuthorizationError|.*AccessDeniedException)$/i;

export function isDenied(errorCode: string): boolean {
  return DENIED.test(errorCode);
}

/**
 * Sign-in events (eventType AwsConsoleSignIn: ConsoleLogin, CheckMfa, SwitchRole, ExitRole,
 * RenewRole, …; IAM Identity Center's CredentialVerification, UserAuthentication) carry no
 * errorCode when they fail: the outcome is a "Failure" value in `responseElements` (keyed by the
 * event name, e.g. {"ConsoleLogin": "Failure"}) or in `serviceEventDetails`, next to an
 * `errorMessage` such as "Failed authentication". The name of the member that says so, if any.
 */
function signInFailure(event: Record<string, unknown>): string | undefined {
  // Only sign-in events say so this way; an ordinary API response may hold a member whose value
  // happens to be "Failure" (a command's status, say) and is still a successful call.
  const signIn = event.eventType === 'AwsConsoleSignIn' || SIGN_IN_SOURCES.has(String(event.eventSource));
  for (const holder of ['responseElements', 'serviceEventDetails'] as const) {
    const o = event[holder];
    if (!o || typeof o !== 'object' || Array.isArray(o)) continue;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && /^failure$/i.test(v) && (signIn || k === event.eventName)) return `${holder}.${k}`;
    }
  }
  return undefined;
}

/** Where sign-in events come from: AWS sign-in, and IAM Identity Center (successor of AWS SSO). */
const SIGN_IN_SOURCES = new Set(['signin.amazonaws.com', 'sso.amazonaws.com']);

/**
 * The canonical outcome of one record: an errorCode decides (denied or failed); without one, a
 * sign-in "Failure" or an errorMessage (CloudTrail writes one only for a request that did not
 * succeed) is a failure; otherwise the call succeeded.
 */
export function cloudTrailOutcome(event: Record<string, unknown>): 'success' | 'denied' | 'failed' {
  const errorCode = typeof event.errorCode === 'string' && event.errorCode !== '' ? event.errorCode : undefined;
  if (errorCode) return isDenied(errorCode) ? 'denied' : 'failed';
  if (signInFailure(event)) return 'failed';
  if (typeof event.errorMessage === 'string' && event.errorMessage !== '') return 'failed';
  return 'success';
}

/**
 * CloudTrail writes this user name for a failed console sign-in with a name the account does not
 * know (so a typo'd password typed as a user name is never logged): it names nobody.
 */
const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * The most specific name CloudTrail gives the caller, by userIdentity type: Root, IAMUser,
 * AssumedRole, FederatedUser, Role and IdentityCenterUser have an ARN (or a user name); an
 * AWSService call names the service in `invokedBy`; AWSAccount and the rest fall back to
 * principalId or accountId.
 */
function actorOf(identity: Record<string, unknown> | undefined): string | null {
  if (!identity || typeof identity !== 'object') return null;
  const keys = identity.type === 'AWSService' ? ['invokedBy', 'arn', 'principalId', 'accountId'] : ['arn', 'userName', 'principalId', 'accountId', 'invokedBy', 'type'];
  for (const k of keys) {
    const v = identity[k];
    if (typeof v === 'string' && v !== '' && v !== HIDDEN_USER) return v;
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

/** One CloudTrail record as a canonical audit-trail object (checked afterwards by ingest/records.ts). */
export function cloudTrailEvent(event: Record<string, unknown>): CanonicalObject {
  const errorCode = typeof event.errorCode === 'string' && event.errorCode !== '' ? event.errorCode : undefined;
  const errorMessage = typeof event.errorMessage === 'string' && event.errorMessage !== '' ? event.errorMessage.slice(0, 500) : undefined;
  const identity = event.userIdentity as Record<string, unknown> | undefined;
  const { source_ip, source_host } = addressOrHost(event.sourceIPAddress);
  const failedBy = errorCode ? undefined : signInFailure(event);
  const mfaUsed = pick(event, 'additionalEventData.MFAUsed');
  return {
    event_id: event.eventID,
    time: utcIfZoneless(event.eventTime ?? event['@timestamp']),
    actor: actorOf(identity),
    action: event.eventName,
    target: targetOf(event),
    outcome: cloudTrailOutcome(event),
    source_ip,
    region: event.awsRegion,
    details: {
      eventSource: event.eventSource,
      eventType: event.eventType,
      identityType: pick(event, 'userIdentity.type'),
      ...(errorCode ? { errorCode } : {}),
      ...(errorMessage ? { errorMessage } : {}),
      ...(failedBy ? { failedBy } : {}),
      ...(typeof mfaUsed === 'string' ? { mfaUsed } : {}),
      ...(identity && identity.userName === HIDDEN_USER ? { identityHidden: true } : {}),
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
  jsonRecords: 'Records',
  create(o) {
    return {
      parse(text): Parsed {
        const j = parseObject(text, o.field);
        if ('error' in j) {
          // A record streamed out of a {"Records": [...]} delivery is never in an envelope.
          const bare = o.field ? parseObject(text) : j;
          if ('error' in bare || !('eventName' in bare.value)) return bad(j.error);
          return { ok: true, objects: [cloudTrailEvent(bare.value)] };
        }
        const doc = j.value;
        const records = doc.Records;
        if (Array.isArray(records)) {
          return { ok: true, objects: records.map((r) => (r && typeof r === 'object' && !Array.isArray(r) ? cloudTrailEvent(r as Record<string, unknown>) : {})) };
        }
        // Digest files (CloudTrail-Digest/…json.gz) sit beside the logs and match the same globs.
        if ('digestStartTime' in doc && 'logFiles' in doc) return skip('CloudTrail digest file');
        if (!('eventName' in doc)) return bad('not a CloudTrail event (no eventName) nor a {"Records": [...]} file');
        return { ok: true, objects: [cloudTrailEvent(doc)] };
      },
    };
  },
};
