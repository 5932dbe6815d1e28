import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { pseudonym } from '../../masking/pseudonym';
import type { GovernanceResult } from '../../workflows/governance';

// The field cases of "Formats as their producers really write them" (CloudTrail sign-in failures,
// a CloudTrail delivery over 1 MiB, Kubernetes audit stage pairs, TCF v1 strings, TC strings that
// decode but are invalid), each run through a real governance run with the case's own
// govflow.yaml and policy from ../shared/field-cases, asserting the outcome its CASE.md gives.
// Then the kinds beyond the cases: Kubernetes stages split across files in either order, and a
// pretty-printed CloudTrail delivery whose bad record is quarantined on its own.

const CASES = resolve('../shared/field-cases');

interface CaseRun {
  h: Harness;
  result: GovernanceResult;
}

async function runCase(configFile: string, window: { start: string; end: string }): Promise<CaseRun> {
  const h = await startHarness({ configFile });
  const result = await h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue,
    workflowId: `field-case-${Date.now()}`,
    args: [{ window }],
  });
  return { h, result };
}

async function findingsByRule(h: Harness): Promise<Record<string, string[]>> {
  const rows = await h.sql('select rule, severity from govflow.audit_findings order by rule, severity');
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[String(r.rule)] ??= []).push(String(r.severity));
  return out;
}

describe('07 CloudTrail ConsoleLogin failures (no errorCode)', () => {
  let c: CaseRun;
  beforeAll(async () => {
    c = await runCase(join(CASES, '07-cloudtrail-consolelogin-failure/govflow.yaml'), { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('stores six failed sign-ins and one success, keeping the error message', async () => {
    expect(c.result.tasks.ingest!.state).toBe('success');
    const rows = await c.h.sql(
      "select outcome, count(*)::int as n, min(details->>'errorMessage') as msg from govflow.audit_trail_events group by outcome order by outcome",
    );
    expect(rows).toEqual([
      { outcome: 'failed', n: 6, msg: 'Failed authentication' },
      { outcome: 'success', n: 1, msg: null },
    ]);
    expect(await c.h.sql('select count(*)::int as n from govflow.rejected_records')).toEqual([{ n: 0 }]);
  });

  it('finds the brute force, the success after failures (critical) and six denied actions', async () => {
    expect(await findingsByRule(c.h)).toEqual({
      brute_force: ['high'],
      denied_admin_action: Array(6).fill('medium'),
      success_after_failures: ['critical'],
    });
  });
});

describe('09 CloudTrail delivery over 1 MiB on one line', () => {
  let c: CaseRun;
  beforeAll(async () => {
    c = await runCase(join(CASES, '09-cloudtrail-large-delivery/govflow.yaml'), { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('loads all 700 records, none quarantined', async () => {
    expect(c.result.tasks.ingest!.counts).toMatchObject({ rowsInserted: 700, recordsRejected: 0 });
    const rows = await c.h.sql('select outcome, count(*)::int as n from govflow.audit_trail_events group by outcome order by outcome');
    expect(rows).toEqual([
      { outcome: 'denied', n: 4 },
      { outcome: 'success', n: 696 },
    ]);
    // Each record's position is its index in the Records array.
    const [trail] = await c.h.sql("select position from govflow.audit_trail_events where action = 'DeleteTrail'");
    expect(trail).toEqual({ position: 501 });
  });

  it('finds the DeleteTrail (critical) and the four AccessDenied calls, and no brute force', async () => {
    expect(await findingsByRule(c.h)).toEqual({ denied_admin_action: Array(4).fill('medium'), privileged_action: ['critical'] });
  });
});

describe('10 Kubernetes audit stage pairs sharing an auditID', () => {
  let c: CaseRun;
  beforeAll(async () => {
    c = await runCase(join(CASES, '10-k8s-audit-stage-pairs/govflow.yaml'), { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('keeps one event per request, from the stage that carries the response', async () => {
    const rows = await c.h.sql(
      `select right(event_id, 1) as req, actor, outcome, (details->>'responseCode')::int as code, details->>'stage' as stage,
              details->'roleRef'->>'name' as role
       from govflow.audit_trail_events order by event_id`,
    );
    expect(rows).toEqual([
      { req: 'a', actor: 'system:anonymous', outcome: 'denied', code: 403, stage: 'ResponseComplete', role: null },
      { req: 'b', actor: 'system:anonymous', outcome: 'denied', code: 401, stage: 'ResponseComplete', role: null },
      { req: 'c', actor: 'alice@example.com', outcome: 'success', code: 201, stage: 'ResponseComplete', role: 'cluster-admin' },
      { req: 'd', actor: 'bob@example.com', outcome: 'success', code: 200, stage: 'ResponseComplete', role: null },
    ]);
    // Seven records: four events, three earlier stages accounted as duplicates of them.
    expect(c.result.tasks.ingest!.counts).toMatchObject({ rowsInserted: 4, recordsRejected: 0 });
    expect(c.result.tasks.ingest!.breakdown!.duplicatesBySource).toMatchObject({ 'apiserver-audit': 3 });
  });

  it('finds two denials and a critical cluster-admin binding, and no anonymous access', async () => {
    expect(await findingsByRule(c.h)).toEqual({ denied_admin_action: ['medium', 'medium'], privileged_action: ['critical'] });
  });
});

describe('11 TCF v1.1 strings', () => {
  let c: CaseRun;
  beforeAll(async () => {
    c = await runCase(join(CASES, '11-tcf-v1-strings/govflow.yaml'), { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('quarantines the v1 string with a reason and records v2 strings only', async () => {
    const rejected = await c.h.sql('select source, position::int, reason from govflow.rejected_records');
    expect(rejected).toEqual([{ source: 'cmp-consent', position: 2, reason: expect.stringMatching(/^TCF v1\.x string/) }]);
    const events = await c.h.sql('select subject_id, purpose, granted from govflow.consent_events order by subject_id, purpose');
    expect(events).toEqual([
      { subject_id: 'user-3001', purpose: 'advertising', granted: true },
      { subject_id: 'user-3001', purpose: 'analytics', granted: true },
      { subject_id: 'user-3001', purpose: 'personalisation', granted: true },
      { subject_id: 'user-3003', purpose: 'advertising', granted: false },
      { subject_id: 'user-3003', purpose: 'analytics', granted: false },
      { subject_id: 'user-3003', purpose: 'personalisation', granted: false },
    ]);
  });

  it('queues no withdrawal or erasure for the person whose v1 string accepted everything', async () => {
    const w = await c.h.sql('select subject_id, kind, count(*)::int as n from govflow.consent_withdrawals group by subject_id, kind');
    expect(w).toEqual([{ subject_id: 'user-3003', kind: 'refused', n: 3 }]);
    const e = await c.h.sql('select subject_id, count(*)::int as n from govflow.erasure_requests group by subject_id');
    expect(e).toEqual([{ subject_id: 'user-3003', n: 3 }]);
  });

  it('flags user-3002 as never granted and user-3003 as refused (a refusal of what was never granted, not a withdrawal)', async () => {
    const v = await c.h.sql('select event_id, subject_key, reason from govflow.consent_violations order by event_id');
    const key = c.h.env.pseudonymKey;
    expect(v).toEqual([
      { event_id: 'play-analytics-2', subject_key: pseudonym('user-3002', key), reason: 'never_granted' },
      { event_id: 'play-analytics-3', subject_key: pseudonym('user-3003', key), reason: 'refused' },
    ]);
  });
});

describe('P-12 TC strings that decode but are invalid under the TCF spec', () => {
  let c: CaseRun;
  beforeAll(async () => {
    c = await runCase(join(CASES, 'P-12-tcf-invalid-policy-version/govflow.yaml'), { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('quarantines the policy-version-2 and the non-service-specific string, each with its reason', async () => {
    const rejected = await c.h.sql('select position::int, reason from govflow.rejected_records order by position');
    expect(rejected).toEqual([
      { position: 1, reason: expect.stringMatching(/policy version 2 .*30 September 2023/) },
      { position: 2, reason: expect.stringMatching(/IsServiceSpecific=0/) },
    ]);
    const events = await c.h.sql('select subject_id, purpose, granted from govflow.consent_events order by subject_id, purpose');
    expect(events).toEqual([
      { subject_id: 'user-6203', purpose: 'advertising', granted: false },
      { subject_id: 'user-6203', purpose: 'analytics', granted: true },
      { subject_id: 'user-6203', purpose: 'personalisation', granted: false },
    ]);
  });

  it('flags the two people without valid consent as never granted, and not the third', async () => {
    const v = await c.h.sql('select event_id, reason from govflow.consent_violations order by event_id');
    expect(v).toEqual([
      { event_id: 'p12-1', reason: 'never_granted' },
      { event_id: 'p12-2', reason: 'never_granted' },
    ]);
  });
});

// Stages of one request in two files, each order once: the stored row is the completed stage.
const scratch = mkdtempSync(join(tmpdir(), 'govflow-formats-'));
const stage = (id: string, s: string, extra: object = {}) =>
  JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: s, verb: 'get',
    requestURI: '/api/v1/namespaces/kube-system/secrets/token', user: { username: 'system:anonymous' }, sourceIPs: ['198.51.100.50'],
    objectRef: { resource: 'secrets', namespace: 'kube-system', name: 'token' },
    requestReceivedTimestamp: '2026-11-20T10:40:00.000000Z', stageTimestamp: '2026-11-20T10:40:00.100000Z', ...extra,
  });
const done = (code: number) => ({ responseStatus: { code }, annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow' } });
writeFileSync(join(scratch, 'a-audit.log'), [stage('req-x', 'ResponseComplete', done(403)), stage('req-y', 'RequestReceived'), stage('req-z', 'RequestReceived')].join('\n') + '\n');
writeFileSync(join(scratch, 'b-audit.log'), [stage('req-x', 'RequestReceived'), stage('req-y', 'ResponseComplete', done(403))].join('\n') + '\n');
const record = (i: number, extra: object = {}) => ({
  eventVersion: '1.08', eventID: `ct-${i}`, eventTime: `2026-11-20T10:5${i}:00Z`, eventSource: 's3.amazonaws.com', eventName: 'GetObject',
  awsRegion: 'eu-west-1', sourceIPAddress: '192.0.2.9', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/reader' }, ...extra,
});
writeFileSync(
  join(scratch, 'pretty.json'),
  JSON.stringify({ Records: [record(1), { ...record(2), eventTime: undefined }, 'not a record', record(4, { errorCode: 'AccessDenied' })] }, null, 2),
);

describe('kinds beyond the cases', () => {
  let c: CaseRun;
  beforeAll(async () => {
    const config = writeConfig([
      { name: 'split-stages', kind: 'audit', format: 'k8s-audit', path: join(scratch, '*-audit.log') },
      { name: 'pretty-trail', kind: 'audit', format: 'cloudtrail', path: join(scratch, 'pretty.json') },
    ]);
    c = await runCase(config, { start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' });
  });
  afterAll(async () => c?.h.close());

  it('keeps the completed stage of a request whose stages are split across files, in either order', async () => {
    const rows = await c.h.sql(
      "select event_id, outcome, details->>'stage' as stage from govflow.audit_trail_events where source = 'split-stages' order by event_id",
    );
    expect(rows).toEqual([
      { event_id: 'req-x', outcome: 'denied', stage: 'ResponseComplete' },
      { event_id: 'req-y', outcome: 'denied', stage: 'ResponseComplete' },
      // No later stage ever came: it stays as it was logged.
      { event_id: 'req-z', outcome: 'success', stage: 'RequestReceived' },
    ]);
    expect(c.result.tasks.ingest!.breakdown!.duplicatesBySource).toMatchObject({ 'split-stages': 2 });
  });

  it('reads a pretty-printed Records document, quarantining each bad record on its own at its index', async () => {
    const rows = await c.h.sql("select event_id, outcome, position::int from govflow.audit_trail_events where source = 'pretty-trail' order by event_id");
    expect(rows).toEqual([
      { event_id: 'ct-1', outcome: 'success', position: 1 },
      { event_id: 'ct-4', outcome: 'denied', position: 4 },
    ]);
    const rejected = await c.h.sql("select position::int, reason, raw from govflow.rejected_records where source = 'pretty-trail' order by position");
    expect(rejected).toEqual([
      { position: 2, reason: 'missing field "time"', raw: expect.stringContaining('"eventID":"ct-2"') },
      { position: 3, reason: 'not a JSON object', raw: '"not a record"' },
    ]);
  });
});
