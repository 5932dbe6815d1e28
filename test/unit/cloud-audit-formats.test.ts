import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../ingest/formats';
import { cloudTrailOutcome, isDenied } from '../../ingest/formats/cloudtrail';
import { isJsonRecordsDocument, readJsonRecords } from '../../ingest/json-records';
import { parseFile } from '../support/parse-file';

// CloudTrail and Kubernetes audit records as their producers write them (AWS CloudTrail User
// Guide: record contents, userIdentity, console sign-in events; audit.k8s.io/v1 Event stages),
// and CloudTrail deliveries of any size read as a stream of records.

const parse = (format: string, obj: unknown) => {
  const f = FORMATS[format]!;
  return f.create(f.options.parse({}), 'audit').parse(typeof obj === 'string' ? obj : JSON.stringify(obj), 1);
};
const first = (format: string, obj: unknown) => {
  const r = parse(format, obj);
  if (r.ok !== true) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  return r.objects[0] as Record<string, unknown> & { details: Record<string, unknown> };
};

const signIn = (eventName: string, response: Record<string, unknown> | null, extra: object = {}) => ({
  eventVersion: '1.09', eventID: `id-${eventName}`, eventTime: '2026-11-20T10:20:05Z', eventSource: 'signin.amazonaws.com',
  eventName, eventType: 'AwsConsoleSignIn', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.77',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: '111122223333', userName: 'ops-jdoe' },
  responseElements: response, additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/' }, ...extra,
});

describe('CloudTrail outcomes', () => {
  it('reads every sign-in event whose response says Failure as failed, without an errorCode', () => {
    for (const name of ['ConsoleLogin', 'CheckMfa', 'SwitchRole', 'ExitRole', 'RenewRole']) {
      const e = first('cloudtrail', signIn(name, { [name]: 'Failure' }, { errorMessage: 'Failed authentication' }));
      expect(e, name).toMatchObject({ outcome: 'failed', details: { errorMessage: 'Failed authentication', failedBy: `responseElements.${name}`, mfaUsed: 'No' } });
      expect(first('cloudtrail', signIn(name, { [name]: 'Success' })).outcome, name).toBe('success');
    }
    // IAM Identity Center writes the verdict in serviceEventDetails.
    const idc = signIn('CredentialVerification', null, { eventType: 'AwsServiceEvent', serviceEventDetails: { CredentialVerification: 'Failure', CredentialType: 'PASSWORD' } });
    expect(first('cloudtrail', idc)).toMatchObject({ outcome: 'failed', details: { failedBy: 'serviceEventDetails.CredentialVerification' } });
    // An ordinary API call whose response holds a "Failure" value still succeeded.
    const api = { eventID: 'x', eventTime: '2026-11-20T10:00:00Z', eventSource: 'ssm.amazonaws.com', eventName: 'SendCommand', eventType: 'AwsApiCall', responseElements: { command: { status: 'Pending' }, lastStatus: 'Failure' } };
    expect(first('cloudtrail', api).outcome).toBe('success');
    // An errorMessage without an errorCode is only ever written for a request that did not succeed.
    expect(cloudTrailOutcome(signIn('ConsoleLogin', null, { errorMessage: 'Failed authentication' }))).toBe('failed');
  });

  it('tells denials from other errors across the error codes services write', () => {
    for (const code of ['AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'UnauthorizedOperation', 'NotAuthorizedException',
      'Client.NotAuthorized', 'Forbidden', 'ForbiddenException', 'UnauthorizedAccess', 'UnauthorizedException', 'KMS.AccessDeniedException']) {
      expect(isDenied(code), code).toBe(true);
    }
    for (const code of ['NoSuchBucket', 'ThrottlingException', 'InvalidParameterValue', 'Client.InvalidInstanceID.NotFound', 'ValidationException']) {
      expect(isDenied(code), code).toBe(false);
    }
    expect(first('cloudtrail', { eventID: 'e', eventTime: '2026-11-20T10:00:00Z', eventName: 'RunInstances', errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' }))
      .toMatchObject({ outcome: 'denied', details: { errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' } });
    expect(first('cloudtrail', { eventID: 'e', eventTime: '2026-11-20T10:00:00Z', eventName: 'GetObject', errorCode: 'NoSuchKey' }).outcome).toBe('failed');
  });

  it('names the caller by identity type and keeps service names out of source_ip', () => {
    const base = { eventID: 'e', eventTime: '2026-11-20T10:00:00Z', eventName: 'Decrypt' };
    const actor = (userIdentity: object, sourceIPAddress?: string) => first('cloudtrail', { ...base, userIdentity, sourceIPAddress });
    expect(actor({ type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' }).actor).toBe('arn:aws:iam::111122223333:root');
    expect(actor({ type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' }).actor).toBe('arn:aws:sts::111122223333:assumed-role/Admin/alice');
    expect(actor({ type: 'FederatedUser', arn: 'arn:aws:sts::111122223333:federated-user/bob', principalId: '111122223333:bob' }).actor).toBe('arn:aws:sts::111122223333:federated-user/bob');
    const service = actor({ type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com', accountId: '111122223333' }, 's3.amazonaws.com');
    expect(service).toMatchObject({ actor: 'cloudtrail.amazonaws.com', source_ip: null, details: { source_host: 's3.amazonaws.com', identityType: 'AWSService' } });
    expect(actor({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/x' }, '2001:db8::7').source_ip).toBe('2001:db8::7');
    // A sign-in with a user name the account does not know: CloudTrail hides the name.
    const hidden = actor({ type: 'IAMUser', accountId: '111122223333', principalId: '', userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
    expect(hidden).toMatchObject({ actor: '111122223333', details: { identityHidden: true } });
  });

  it('skips digest files that sit beside the logs', () => {
    expect(parse('cloudtrail', { awsAccountId: '1', digestStartTime: '2026-11-20T09:00:00Z', logFiles: [] })).toEqual({ ok: 'skip', reason: 'CloudTrail digest file' });
  });
});

describe('CloudTrail deliveries as streams of records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-ct-'));
  const rec = (i: number) => ({
    eventVersion: '1.08', eventID: `ev-${i}`, eventTime: '2026-11-20T10:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'HeadObject',
    sourceIPAddress: '192.0.2.10', userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/r/s' },
    requestParameters: { bucketName: 'b', key: `k/${'x'.repeat(400)}/${i}` },
  });

  it('reads a one-line delivery far over 1 MiB, gzip or not, record by record', async () => {
    const doc = JSON.stringify({ Records: Array.from({ length: 6000 }, (_, i) => rec(i)) });
    expect(doc.length).toBeGreaterThan(3 << 20);
    writeFileSync(join(dir, 'big.json'), doc);
    writeFileSync(join(dir, 'big.json.gz'), gzipSync(doc));
    for (const f of ['big.json', 'big.json.gz']) {
      expect(await isJsonRecordsDocument(join(dir, f), 'Records')).toBe(true);
      const r = await parseFile(join(dir, f), 'cloudtrail', 'audit');
      expect(r.rejected).toEqual([]);
      expect(r.records).toHaveLength(6000);
      expect(r.records[5999]).toMatchObject({ event_id: 'ev-5999' });
    }
  });

  it('reads pretty-printed and concatenated documents, each bad record quarantined at its index', async () => {
    const pretty = JSON.stringify({ Records: [rec(1), 42, { ...rec(3), eventTime: 'yesterday' }] }, null, 4) + '\n' + JSON.stringify({ Records: [rec(4)] });
    writeFileSync(join(dir, 'pretty.json'), `\uFEFF${pretty}`);
    const r = await parseFile(join(dir, 'pretty.json'), 'cloudtrail', 'audit');
    expect(r.records.map((x) => x.event_id)).toEqual(['ev-1', 'ev-4']);
    expect(r.rejected).toEqual([
      { position: 2, reason: 'not a JSON object' },
      { position: 3, reason: 'unparseable time in "time" (expected ISO-8601 with a zone)' },
    ]);
  });

  it('keeps the records before a point where the document stops being JSON, and says where', async () => {
    const doc = JSON.stringify({ Records: [rec(1), rec(2), rec(3)] });
    writeFileSync(join(dir, 'cut.json'), doc.slice(0, doc.indexOf('"ev-3"') + 3));
    const items = [];
    for await (const item of readJsonRecords(join(dir, 'cut.json'), 'Records')) items.push(item);
    expect(items.map((i) => i.position)).toEqual([1, 2, 3]);
    expect(items[2]).toMatchObject({ problem: 'malformed', reason: expect.stringMatching(/^malformed JSON document after record 2: the rest of the file cannot be read/) });
  });

  it('resumes after a committed position', async () => {
    writeFileSync(join(dir, 'resume.json'), JSON.stringify({ Records: [rec(1), rec(2), rec(3)] }));
    const positions = [];
    for await (const item of readJsonRecords(join(dir, 'resume.json'), 'Records', { afterPosition: 2 })) positions.push(item.position);
    expect(positions).toEqual([3]);
  });

  it('still reads JSON lines of single events line by line', async () => {
    writeFileSync(join(dir, 'lines.jsonl'), `${JSON.stringify(rec(1))}\nnot json\n${JSON.stringify(rec(3))}\n`);
    expect(await isJsonRecordsDocument(join(dir, 'lines.jsonl'), 'Records')).toBe(false);
    const r = await parseFile(join(dir, 'lines.jsonl'), 'cloudtrail', 'audit');
    expect(r.records.map((x) => x.event_id)).toEqual(['ev-1', 'ev-3']);
    expect(r.rejected).toEqual([{ position: 2, reason: 'malformed JSON' }]);
  });
});

describe('Kubernetes audit stages', () => {
  const ev = (stage: string, extra: object = {}) => ({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a-1', stage, verb: 'create', requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    user: { username: 'alice@example.com' }, sourceIPs: ['192.0.2.41'], objectRef: { resource: 'clusterrolebindings', name: 'x' },
    requestReceivedTimestamp: '2026-11-20T10:33:00.000000Z', stageTimestamp: '2026-11-20T10:33:00.010000Z', ...extra,
  });

  it('ranks each stage, the response-carrying ones highest, and reads the response from them', () => {
    expect(first('k8s-audit', ev('RequestReceived'))).toMatchObject({ outcome: 'success', details: { stage: 'RequestReceived', stageRank: 1, responseCode: null } });
    expect(first('k8s-audit', ev('ResponseStarted', { responseStatus: { code: 200 } })).details).toMatchObject({ stageRank: 2 });
    const complete = first('k8s-audit', ev('ResponseComplete', { responseStatus: { code: 201 }, requestObject: { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } } }));
    expect(complete).toMatchObject({ outcome: 'success', details: { stageRank: 3, responseCode: 201, roleRef: { name: 'cluster-admin' } } });
    expect(first('k8s-audit', ev('Panic', { responseStatus: { code: 500 } }))).toMatchObject({ outcome: 'failed', details: { stage: 'Panic', stageRank: 4 } });
    expect(first('k8s-audit', ev('ResponseComplete', { responseStatus: { code: 403 } })).outcome).toBe('denied');
    // A decision of "forbid" without a response code is a denial too.
    expect(first('k8s-audit', ev('ResponseComplete', { annotations: { 'authorization.k8s.io/decision': 'forbid' } })).outcome).toBe('denied');
  });

  it('reads an empty v1beta1 user as an unauthenticated (anonymous) request', () => {
    const e = first('k8s-audit', ev('ResponseComplete', { apiVersion: 'audit.k8s.io/v1beta1', user: {}, responseStatus: { code: 401 } }));
    expect(e).toMatchObject({ actor: 'system:anonymous', outcome: 'denied', details: { unauthenticated: true } });
  });

  it('reads an EventList, as the webhook backend posts it', () => {
    const r = parse('k8s-audit', { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev('RequestReceived'), ev('ResponseComplete', { responseStatus: { code: 201 } })] });
    expect(r).toMatchObject({ ok: true, objects: [{ details: { stageRank: 1 } }, { details: { stageRank: 3 } }] });
  });
});
