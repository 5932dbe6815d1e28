import { classifyShared, isSafeKey, isSafeLiteral, placeholder } from './classify';
import { maskResource, type QueryPolicy, type RouteTemplate } from './route-template';
import { maskValue, replacement, type ValueContext } from './value';

// Audit-trail targets, split by their own grammar and kept part by part where each part is a
// known literal (classify.ts isSafeLiteral); every other part is masked by value.ts.
//  - AWS ARNs, comma-separated as CloudTrail's resources list them:
//    arn:partition:service:region:account-id:resource, the resource "type/id" or "type:id"
//    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). The account id
//    becomes {account}.
//  - s3://bucket/key (CloudTrail requestParameters): bucket as a word, key as a path.
//  - URL paths (Kubernetes requestURI, HTTP targets): route templates (route-template.ts).
//  - logfmt, key=value and key="quoted value with spaces" (https://brandur.org/logfmt): keys
//    of the shape of a name are kept; identifier keys' values become person keys; a quoted value
//    is one value, however many words it has.
//  - object references, namespace/resource/name[/subresource] (Kubernetes objectRef) or
//    kind/name, and colon-joined names (system:serviceaccount:ns:name): part by part.
//  - host names whose last label is a common suffix (iam.amazonaws.com): label by label.

export interface TargetPolicy extends QueryPolicy {
  routes: readonly RouteTemplate[];
}

const HOST_SUFFIX = /\.(?:com|net|org|io|dev|cloud|local|internal|localdomain|lan|svc)$/;
// logfmt tokens: key="quoted", key=value, "quoted", bare.
const TOKEN = /([^\s="]+)=("(?:[^"\\]|\\.)*"?|\S*)|"((?:[^"\\]|\\.)*)"?|(\S+)/g;

const unquote = (v: string) => (v.startsWith('"') ? v.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1') : v);

function maskArn(arn: string, c: ValueContext): string {
  const parts = arn.split(':');
  if (parts.length < 6) return maskValue(arn, c);
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const word = (w: string) => (w === '' || isSafeLiteral(w, c.personWords) ? w : maskValue(w, c));
  const acct = account === '' || account === 'aws' ? account : placeholder('account');
  return ['arn', word(partition), word(service), word(region), acct, maskRef(parts.slice(5).join(':'), c)].join(':');
}

/** An object reference or resource id, part by part between "/" and ":" separators. */
function maskRef(ref: string, c: ValueContext): string {
  const person = c.people.get(ref);
  if (person !== undefined) return person;
  if (isSafeLiteral(ref, c.personWords) || ref === '*') return ref;
  // An IPv6 address or an e-mail address is one value, not parts between ":" or "/".
  const whole = classifyShared(ref);
  if (whole.whole) return replacement(whole, c);
  if (/^[^\s/:]+(?:[/:][^\s/:]*)+$/.test(ref)) {
    return ref.split(/([/:])/).map((p) => (p === '/' || p === ':' || p === '' || p === '*' ? p : maskWord(p, c))).join('');
  }
  return maskWord(ref, c);
}

function maskWord(word: string, c: ValueContext): string {
  if (HOST_SUFFIX.test(word) && word.split('.').every((l) => isSafeLiteral(l, c.personWords))) return word;
  return maskValue(word, c);
}

/** One part of a target that is not key=value: by the grammar its first characters show. */
function maskPart(part: string, c: ValueContext, p: TargetPolicy): string {
  if (part.startsWith('arn:')) return part.split(',').map((a) => (a.startsWith('arn:') ? maskArn(a, c) : maskValue(a, c))).join(',');
  if (part.startsWith('/')) return maskResource(part, c, p, p.routes);
  const s3 = /^s3:\/\/([^/]*)(\/.*)?$/.exec(part);
  if (s3) return `s3://${maskWord(s3[1]!, c)}${s3[2] ? maskResource(s3[2], c, p, p.routes) : ''}`;
  return maskRef(part, c);
}

/** An audit-trail target masked by its grammar (see above): never a part that is not a known literal. */
export function maskTarget(target: string, c: ValueContext, p: TargetPolicy): string {
  // A path, an ARN list or an S3 URL is one part, "=" in its query string notwithstanding.
  if (/^(?:\/|arn:|s3:\/\/)\S*$/.test(target)) return maskPart(target, c, p);
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(target); m; m = TOKEN.exec(target)) {
    if (m[0] === '') { TOKEN.lastIndex++; continue; }
    if (m[1] !== undefined && /^(?:\/|arn:|s3:)/.test(m[1])) {
      out.push(maskPart(m[0], c, p));
    } else if (m[1] !== undefined) {
      const value = unquote(m[2]!);
      const key = isSafeKey(m[1]) ? m[1] : maskValue(m[1], c);
      let masked: string;
      if (value === '') masked = '';
      else if (p.identifierParams.includes(m[1].toLowerCase())) masked = c.personKey(value);
      else if (m[2]!.startsWith('"')) masked = isSafeLiteral(value, c.personWords) ? value : maskValue(value, c);
      else masked = maskPart(value, c, p);
      out.push(`${key}=${masked}`);
    } else if (m[3] !== undefined) {
      out.push(m[3] === '' ? '""' : maskValue(m[3], c));
    } else {
      out.push(maskPart(m[4]!, c, p));
    }
  }
  return out.join(' ');
}
