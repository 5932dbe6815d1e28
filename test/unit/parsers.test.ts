import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { publicFile, PUBLIC_DATA } from '../support/public-data';
import { parseFile } from '../support/parse-file';
import { FORMATS } from '../../ingest/formats';
import { clfTime, outcomeOfStatus } from '../../ingest/formats/combined';
import { decodeConsents } from '../../ingest/formats/tcf';

// Every format against the real public samples in ../shared/data/public (see SOURCES.md there).

const one = (format: string, kind: 'access' | 'audit' | 'consent', text: string, options: unknown = {}) => {
  const f = FORMATS[format]!;
  return f.create(f.options.parse(options), kind).parse(text, 2);
};

describe('combined (Apache/nginx access logs)', () => {
  it('reads every line of both public access logs', async () => {
    for (const [file, n] of [['nielsbasjes-logparser/hackers-access.log', 3456], ['elastic-examples/apache_logs', 10000]] as const) {
      const r = await parseFile(publicFile(file), 'combined', 'access');
      expect(r.rejected, file).toEqual([]);
      expect(r.records, file).toHaveLength(n);
    }
  });

  it('maps fields, zones and denials', async () => {
    const r = await parseFile(publicFile('nielsbasjes-logparser/hackers-access.log'), 'combined', 'access');
    expect(r.records[1]).toMatchObject({
      occurred_at: '2015-10-25T03:11:26.000Z', source_ip: '23.95.237.180', action: 'GET', resource: '/join_form', outcome: 'success', principal: null,
    });
    expect(clfTime('17/May/2015:10:05:03 +0000')).toBe('2015-05-17T10:05:03+00:00');
    expect([401, 403, 404, 500, 200].map(outcomeOfStatus)).toEqual(['denied', 'denied', 'success', 'failed', 'success']);
    expect(one('combined', 'access', '1.2.3.4 - bob [01/Nov/2026:10:00:00 +0000] "GET /admin HTTP/1.1" 403 12')).toMatchObject({
      ok: true, objects: [{ principal: 'bob', outcome: 'denied', resource: '/admin' }],
    });
    expect(one('combined', 'access', 'garbage')).toEqual({ ok: false, reason: 'not a combined/common log line' });
  });
});

describe('sshd (OpenSSH auth log)', () => {
  it('reads the public auth.log: authentication outcomes and sudo commands, skipping the rest', async () => {
    const r = await parseFile(publicFile('elastic-examples/auth.log'), 'sshd', 'audit', { year: 2024 });
    expect(r.rejected).toEqual([]);
    const failed = r.records.filter((x) => x.action === 'ssh.login' && x.outcome === 'failed');
    const accepted = r.records.filter((x) => x.action === 'ssh.login' && x.outcome === 'success');
    // 632 "Failed …" lines, and 85 of rsyslog's "message repeated N times: [ Failed …]"
    // lines standing for 410 more (N each: the previous message occurred N more times; e.g. one
    // Failed line + "repeated 5 times" + "maximum authentication attempts exceeded" = MaxAuthTries 6).
    expect(failed).toHaveLength(632 + 410);
    expect(accepted).toHaveLength(226);
    expect(r.records.filter((x) => x.action === 'ssh.invalid_user')).toHaveLength(178);
    expect(r.records.some((x) => x.action === 'sudo.command')).toBe(true);
    expect(r.records).toHaveLength(1632);
    expect(r.skipped['not sshd (CRON)']).toBeGreaterThan(0);
    expect(r.skipped['PAM line about an attempt sshd logs itself']).toBeGreaterThan(0);
  });

  it('maps the fields: actor, outcome, address, port, connection; zone-less times take the source\'s offset', () => {
    expect(one('sshd', 'audit', 'Mar 27 13:08:09 web sshd[1361]: Failed password for invalid user admin from 1.2.3.4 port 5 ssh2', { year: 2024 })).toMatchObject({
      ok: true,
      objects: [{
        time: '2024-03-27T13:08:09Z', actor: 'admin', action: 'ssh.login', outcome: 'failed', source_ip: '1.2.3.4',
        details: { invalidUser: true, port: 5, pid: 1361, host: 'web', program: 'sshd', connection: 'web#1361', method: 'password' },
      }],
    });
    expect(one('sshd', 'audit', 'Mar  7 01:02:03 web sshd[9]: Invalid user guest from 5.6.7.8 port 22', { year: 2024, timezone: '+02:00' })).toMatchObject({
      ok: true, objects: [{ time: '2024-03-06T23:02:03Z', actor: 'guest', outcome: 'denied', action: 'ssh.invalid_user', details: { userLookup: true } }],
    });
    expect(one('sshd', 'audit', 'Mar 27 13:08:09 web sshd[1]: Accepted publickey for ubuntu from host.example port 5 ssh2', { year: 2024 })).toMatchObject({
      ok: true, objects: [{ outcome: 'success', source_ip: null, details: { source_host: 'host.example' } }],
    });
    expect(one('sshd', 'audit', 'Mar 27 13:08:09 web CRON[1]: pam_unix(cron:session): session opened', { year: 2024 })).toEqual({ ok: 'skip', reason: 'not sshd (CRON)' });
  });

  it('needs a year only for RFC 3164 lines that carry none: without one such a line is quarantined with the reason', () => {
    expect(FORMATS.sshd!.options.safeParse({}).success).toBe(true);
    expect(one('sshd', 'audit', 'Mar 27 13:08:09 web sshd[1]: Accepted password for a from 1.2.3.4 port 5 ssh2')).toEqual({
      ok: false, reason: "RFC 3164 syslog line without a year: set the source's options.year (the year the log was written)",
    });
    expect(one('sshd', 'audit', '2026-11-20T11:14:03.902115+01:00 bastion sshd[1]: Accepted password for a from 1.2.3.4 port 5 ssh2')).toMatchObject({
      ok: true, objects: [{ time: '2026-11-20T10:14:03.902115Z' }],
    });
    expect(JSON.stringify(FORMATS.sshd!.options.safeParse({ year: 'x' }).error?.issues)).toContain('RFC 3164 lines, which carry none');
  });
});


describe('cloudtrail', () => {
  it('reads the public CloudTrail JSON lines', async () => {
    const r = await parseFile(publicFile('otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json'), 'cloudtrail', 'audit');
    expect(r.rejected).toEqual([]);
    expect(r.records).toHaveLength(103);
    expect(r.records[0]).toMatchObject({ actor: 'arn:aws:iam::123456789123:user/pedro', action: 'DescribeInstanceTypes', region: 'us-east-1', outcome: 'success' });
  });

  it("reads Panther's CloudTrail test events, quarantining those without a time, each with a reason", async () => {
    const r = await parseFile(publicFile('panther-analysis/panther_aws_cloudtrail_rule_tests.jsonl'), 'cloudtrail', 'audit', { field: 'log' });
    expect(r.records.length + r.rejected.length).toBe(461);
    expect(r.records.length).toBeGreaterThan(400);
    expect(new Set(r.rejected.map((x) => x.reason.replace(/".*$/, '')))).toEqual(
      new Set(['missing field ', 'unparseable time in ', 'not a CloudTrail event (no eventName) nor a {']),
    );
    expect(r.records.filter((x) => x.outcome === 'denied').length).toBeGreaterThan(0);
    expect(r.records.some((x) => x.action === 'StopLogging')).toBe(true);
  });

  it('reads {"Records": [...]} files and classifies error codes', () => {
    const doc = JSON.stringify({
      Records: [
        { eventID: 'e1', eventTime: '2026-11-01T10:00:00Z', eventName: 'GetObject', errorCode: 'AccessDenied', sourceIPAddress: '1.2.3.4', userIdentity: { arn: 'arn:x' } },
        { eventID: 'e2', eventTime: '2026-11-01T10:00:01Z', eventName: 'RunInstances', errorCode: 'Client.UnauthorizedOperation', sourceIPAddress: 'ec2.amazonaws.com' },
        { eventID: 'e3', eventTime: '2026-11-01T10:00:02Z', eventName: 'PutObject', errorCode: 'NoSuchBucket' },
      ],
    });
    const r = one('cloudtrail', 'audit', doc);
    expect(r).toMatchObject({
      ok: true,
      objects: [{ outcome: 'denied', actor: 'arn:x' }, { outcome: 'denied', source_ip: null, details: { source_host: 'ec2.amazonaws.com' } }, { outcome: 'failed' }],
    });
  });
});

describe('k8s-audit', () => {
  it('reads every Falco capture, rejecting only the malformed {"kind": 0}', async () => {
    const dir = join(PUBLIC_DATA, 'falco-k8s-audit');
    let records = 0;
    const rejected: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const r = await parseFile(join(dir, f), 'k8s-audit', 'audit');
      records += r.records.length;
      rejected.push(...r.rejected.map((x) => `${f}: ${x.reason}`));
    }
    expect(records).toBe(51);
    expect(rejected).toEqual(['fal_01_003.json: not an audit.k8s.io Event (kind is not "Event")']);
  });

  it('maps 401/403 to denied and reads zone-less exporter times as UTC', async () => {
    const r = await parseFile(publicFile('panther-analysis/panther_k8s_audit_rule_tests.jsonl'), 'k8s-audit', 'audit', { field: 'log' });
    expect(r.records.length + r.rejected.length).toBe(188);
    expect(r.rejected.every((x) => x.reason === 'missing field "time"')).toBe(true);
    expect(r.records[0]).toMatchObject({ occurred_at: '2022-11-29T00:09:04.38Z', actor: 'system:anonymous', source_ip: '8.8.8.8' });
    expect(one('k8s-audit', 'audit', JSON.stringify({ kind: 'Event', verb: 'get', timestamp: '2026-11-01T10:00:00Z', responseStatus: { code: 403 } }))).toMatchObject({
      ok: true, objects: [{ outcome: 'denied' }],
    });
  });
});

describe('tcf (IAB TCF v2 consent strings)', () => {
  it("decodes every public TC string as IAB's own decodings say", () => {
    const decoded = readFileSync(publicFile('iabtcf-es/tc_strings_decoded.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const d of decoded) {
      if (!d.decodes) {
        expect(() => decodeConsents(d.tc_string)).toThrow();
        continue;
      }
      expect(decodeConsents(d.tc_string).purposeConsents, d.tc_string.slice(0, 20)).toEqual(d.purposeConsents);
    }
  });

  it('tcf: columns.user_id is the deprecated name of columns.subject, with one warning line', () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((m: string) => void warnings.push(m));
    try {
      const o = FORMATS.tcf!.options.parse({ purposes: { '1': 'analytics' }, delimiter: '\t', columns: { user_id: 'uid' } }) as { columns: Record<string, string> };
      expect(o.columns).toEqual({ subject: 'uid', tc_string: 'tc_string' });
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toEqual(['govflow: tcf options.columns.user_id is deprecated: write columns.subject (the data subject is `subject` in every format)']);
  });

  it('turns one valid TC string into one consent event per mapped purpose, refusals included; quarantines invalid ones', async () => {
    const purposes = { '1': 'service_delivery', '4': 'advertising', '7': 'analytics' };
    const r = await parseFile(publicFile('iabtcf-es/tc_strings.tsv'), 'tcf', 'consent', { delimiter: '\t', purposes, columns: { subject: 'source_line' } });
    // This test used to expect consent events for the v1.1 strings of lines 239 and 330, read with
    // TCF v2 purpose numbers (line 239: advertising granted, analytics refused). That was wrong
    // (field case 11): v1's five purposes are not v2's ten, and v1 strings are invalid since
    // 30 September 2020. Line 25's string is globally scoped (IsServiceSpecific=0): invalid too.
    expect(r.rejected).toEqual([
      { position: 2, reason: 'undecodable TC string: bitfield encoding length mismatch' },
      { position: 3, reason: expect.stringMatching(/^TCF v1\.x string/) },
      { position: 4, reason: expect.stringMatching(/^TCF v1\.x string/) },
      { position: 8, reason: expect.stringMatching(/IsServiceSpecific=0/) },
    ]);
    expect(r.records).toHaveLength(3 * 3);
    expect(r.records.every((x) => x.signal === 'tcf')).toBe(true);
    expect(r.records.filter((x) => x.subject_id === '239')).toEqual([]);
    const line346 = r.records.filter((x) => x.subject_id === '346');
    expect(line346.map((x) => [x.purpose, x.granted])).toEqual([['service_delivery', true], ['advertising', true], ['analytics', true]]);
    const line257 = r.records.filter((x) => x.subject_id === '257');
    expect(line257.map((x) => [x.purpose, x.granted])).toEqual([['service_delivery', false], ['advertising', false], ['analytics', false]]);
  });
});

describe('csv with a column mapping', () => {
  it('reads the public S3 honey-bucket alerts', async () => {
    const r = await parseFile(publicFile('otrf-security-datasets/AWS_S3_HoneyBucketLogs.csv'), 'csv', 'audit', {
      columns: { event_id: 'Event ID', time: 'Event DateTime', actor: 'User ID', action: 'Event Name', target: 'Request Parameters', source_ip: 'Source IP' },
      constants: { outcome: 'success' },
    });
    expect(r.rejected).toEqual([]);
    expect(r.records).toHaveLength(301);
    expect(r.records[0]).toMatchObject({ event_id: '283770f5-968d-448d-9328-0b010f4d3696', action: 'ListObjects', source_ip: '177.131.167.145' });
  });

  it('rejects a file whose header lacks a mapped column', () => {
    expect(one('csv', 'access', 'a,b', { columns: { time: 'When' } })).toMatchObject({ ok: false });
  });
});
