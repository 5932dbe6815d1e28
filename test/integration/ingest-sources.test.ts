import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, cloneTestDatabase, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { PUBLIC_DATA } from '../support/public-data';
import type { GovernanceResult } from '../../workflows/governance';

// Ingest of every public sample in its real format, through a real governance run: each file's
// records land once (a second run adds nothing), bad records are quarantined with a reason, a
// truncated gzip is reported with its path while the other sources load, and a live consent
// database is read over the run's window.

const scratch = mkdtempSync(join(tmpdir(), 'govflow-ingest-'));
const good = Array.from({ length: 3000 }, (_, i) =>
  JSON.stringify({ event_id: `gz-${i}`, time: '2026-11-01T10:00:00Z', principal: 'svc', subject: `user-${i}`, action: 'read', outcome: 'success' }),
).join('\n');
const gz = gzipSync(good);
writeFileSync(join(scratch, 'complete.jsonl.gz'), gz);
writeFileSync(join(scratch, 'truncated.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));

const CONSENT_ROWS = [
  ['user-1', 'analytics', true, '2026-11-01T10:05:00Z'],
  ['user-2', 'analytics', false, '2026-11-01T10:20:00Z'],
  ['user-3', 'telepathy', true, '2026-11-01T10:30:00Z'], // unknown purpose: quarantined
  ['user-4', 'analytics', true, '2026-11-01T12:00:00Z'], // outside the window: not read
] as const;

const SOURCES = [
  { name: 'hackers', kind: 'access', format: 'combined', path: `${PUBLIC_DATA}/nielsbasjes-logparser/hackers-access.log`, options: { purpose: 'service_delivery' } },
  { name: 'semicomplete', kind: 'access', format: 'combined', path: `${PUBLIC_DATA}/elastic-examples/apache_logs` },
  { name: 'auth', kind: 'audit', format: 'sshd', path: `${PUBLIC_DATA}/elastic-examples/auth.log`, options: { year: 2024 } },
  { name: 'trail', kind: 'audit', format: 'cloudtrail', path: `${PUBLIC_DATA}/otrf-security-datasets/*.json` },
  { name: 'panther-trail', kind: 'audit', format: 'cloudtrail', path: `${PUBLIC_DATA}/panther-analysis/panther_aws_cloudtrail_rule_tests.jsonl`, options: { field: 'log' } },
  { name: 'panther-k8s', kind: 'audit', format: 'k8s-audit', path: `${PUBLIC_DATA}/panther-analysis/panther_k8s_audit_rule_tests.jsonl`, options: { field: 'log' } },
  { name: 'falco', kind: 'audit', format: 'k8s-audit', path: `${PUBLIC_DATA}/falco-k8s-audit/*.json` },
  {
    name: 'honeybucket', kind: 'audit', format: 'csv', path: `${PUBLIC_DATA}/otrf-security-datasets/AWS_S3_HoneyBucketLogs.csv`,
    options: { columns: { event_id: 'Event ID', time: 'Event DateTime', actor: 'User ID', action: 'Event Name', source_ip: 'Source IP' }, constants: { outcome: 'success' } },
  },
  { name: 'tcf', kind: 'consent', format: 'tcf', path: `${PUBLIC_DATA}/iabtcf-es/tc_strings.tsv`, options: { delimiter: '\t', purposes: { '1': 'service_delivery', '7': 'analytics' }, columns: { subject: 'source_line' } } },
  { name: 'inbox', kind: 'access', format: 'jsonl', path: `${scratch}/*.jsonl.gz` },
  { name: 'consent-db', kind: 'consent', format: 'postgres', url: 'env:TEST_CONSENT_DB_URL', query: 'select user_id, purpose, granted, updated_at from consents where updated_at >= $1 and updated_at < $2 order by updated_at' },
];

// Expected loads, from the files themselves (see test/unit/parsers.test.ts for the per-format detail).
const EXPECTED_ROWS: Record<string, number> = {
  hackers: 3456, semicomplete: 10000, auth: 1632, trail: 103, 'panther-trail': 436, 'panther-k8s': 19, falco: 51, honeybucket: 301, tcf: 6, 'consent-db': 2,
};
// tcf: 3 valid v2 strings × 2 purposes; the undecodable string, the two TCF v1.1 strings and the
// globally scoped one (IsServiceSpecific=0) are quarantined (TCF spec; see test/unit/parsers.test.ts).
const EXPECTED_REJECTED: Record<string, number> = { 'panther-trail': 25, 'panther-k8s': 169, falco: 1, tcf: 4, 'consent-db': 1, inbox: 1 };

let h: Harness;
let consentDb: pg.Client;
beforeAll(async () => {
  const url = await cloneTestDatabase();
  consentDb = new pg.Client({ connectionString: url });
  await consentDb.connect();
  await consentDb.query('create table consents (user_id text, purpose text, granted boolean, updated_at timestamptz)');
  for (const r of CONSENT_ROWS) await consentDb.query('insert into consents values ($1, $2, $3, $4)', [...r]);
  process.env.TEST_CONSENT_DB_URL = url;
  h = await startHarness({ configFile: writeConfig(SOURCES) });
});
afterAll(async () => {
  await h?.close();
  await consentDb?.end();
});

const WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };
const run = (id: string): Promise<GovernanceResult> =>
  h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [{ window: WINDOW }] });

async function rowsBySource(): Promise<Record<string, number>> {
  const rows = await h.sql(`
    select source, count(*)::int as n from govflow.access_events group by source
    union all select source, count(*)::int from govflow.audit_trail_events group by source
    union all select source, count(*)::int from govflow.consent_events group by source`);
  return Object.fromEntries(rows.map((r) => [r.source, r.n]));
}

describe('ingest of real formats', () => {
  let first: GovernanceResult;

  it('loads every public file with counts equal to its records, quarantining the rest with reasons', async () => {
    first = await run('public');
    expect(first.tasks.ingest!.state).toBe('success');
    // Every record is a new row or a duplicate of an event id already loaded (Panther's test
    // events reuse ids; Falco captured some events twice), never silently gone.
    const loaded = await rowsBySource();
    const duplicates = first.tasks.ingest!.breakdown!.duplicatesBySource!;
    const accounted = Object.fromEntries(Object.keys(EXPECTED_ROWS).map((s) => [s, (loaded[s] ?? 0) + (duplicates[s] ?? 0)]));
    expect(accounted).toEqual(EXPECTED_ROWS);
    expect(duplicates['panther-trail']).toBeGreaterThan(0);
    expect(loaded.hackers).toBe(3456);
    const rejected = await h.sql('select source, count(*)::int as n from govflow.rejected_records group by source');
    expect(Object.fromEntries(rejected.map((r) => [r.source, r.n]))).toEqual(EXPECTED_REJECTED);
    const reasons = await h.sql("select distinct reason from govflow.rejected_records where reason <> ''");
    expect(reasons.every((r) => String(r.reason).length > 5)).toBe(true);
    expect(first.tasks.ingest!.breakdown!.recordsBySource).toMatchObject(EXPECTED_ROWS);
  });

  it('reports a truncated gzip with its path, keeping what it could read and the other sources', async () => {
    const [fault] = await h.sql("select file, reason from govflow.rejected_records where source = 'inbox'");
    expect(fault).toEqual({ file: join(scratch, 'truncated.jsonl.gz'), reason: expect.stringMatching(/^truncated gzip/) });
    // complete.jsonl.gz loads all 3000. The truncated copy has the same first bytes, so it is the
    // same file to ingest, already read past where the copy breaks off: it loads nothing, not even
    // duplicates, and leaves the file's cursor as the complete copy left it.
    expect((await rowsBySource()).inbox).toBe(3000);
    expect(first.tasks.ingest!.breakdown!.duplicatesBySource!.inbox).toBeUndefined();
    const cursors = await h.sql("select status, records, path from govflow.ingested_files where source = 'inbox'");
    expect(cursors).toEqual([{ status: 'done', records: 3000, path: join(scratch, 'complete.jsonl.gz') }]);
    expect(first.kpis.recordsRejected).toBeGreaterThan(0);
  });

  it('reads the consent database over the window only, with signal "import"', async () => {
    const rows = await h.sql("select subject_id, granted, signal from govflow.consent_events where source = 'consent-db' order by subject_id");
    expect(rows).toEqual([
      { subject_id: 'user-1', granted: true, signal: 'import' },
      { subject_id: 'user-2', granted: false, signal: 'import' },
    ]);
  });

  it('adds nothing when the same files and window are ingested again', async () => {
    const before = await rowsBySource();
    const again = await run('public-again');
    expect(await rowsBySource()).toEqual(before);
    expect(again.tasks.ingest!.counts).toMatchObject({ rowsInserted: 0, filesLoaded: 0, filesFailed: 1 });
    expect(again.tasks.ingest!.counts!.filesAlreadyLoaded).toBeGreaterThan(50);
    expect(again.kpis.eventsIngested).toBe(first.kpis.eventsIngested);
  });
});
