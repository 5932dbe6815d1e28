import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../support/s3-server';
import { loadConfig } from '../../config/config';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import type { GovernanceResult } from '../../workflows/governance';
import type { ExportManifest } from '../../lifecycle/export/manifest';
import { exportWindow } from '../../lifecycle/export/export-window';
import { folderTarget } from '../../lifecycle/export/folder-target';
import { s3Target } from '../../lifecycle/export/s3-target';
import { isPermanentS3Error } from '../../lifecycle/export/s3-errors';

// The export step on a real worker, against a real S3-protocol server on loopback (s3rver): after
// a run of the sample window the bucket holds the window's partition with the masked tables as
// Parquet (read back here), the three reports and a manifest whose hashes match the objects.

const PREFIX = 'govflow/';
const PARTITION = `${PREFIX}dt=2026-11-01/hour=10/`;
const REPORT_FILES = ['access-audit', 'compliance-report', 'consent-log'].flatMap((k) => [`${k}.html`, `${k}.txt`]);
const EXPECTED_KEYS = [...REPORT_FILES, 'manifest.json', 'masked_audit_trail.parquet', 'masked_events.parquet'].map((f) => PARTITION + f).sort();

let s3: S3TestServer;
let h: Harness;
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  s3 = await startS3Server();
  // The worker's S3 client takes credentials from the SDK's default chain, as in production.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const configFile = writeConfig(loadConfig('govflow.yaml').sources, undefined, {
    export: { target: 's3', bucket: s3.bucket, prefix: PREFIX, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true },
  });
  h = await startHarness({ configFile });
});
afterAll(async () => {
  await h?.close();
  await s3?.close();
  process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
});

const runSample = (id: string): Promise<GovernanceResult> =>
  h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }] });

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** A Parquet file's rows, decoded by hyparquet (an independent reader), and its row count from the footer. */
async function parquetRows(bytes: Buffer): Promise<{ rows: Record<string, unknown>[]; numRows: number }> {
  const file = toArrayBuffer(bytes);
  return { rows: await parquetReadObjects({ file }), numRows: Number(parquetMetadata(file).num_rows) };
}

/** Every raw identifier of the sample: people, principals, actors and full IP addresses. */
async function rawIdentifiers(): Promise<string[]> {
  const rows = await h.sql(`
    select subject_id as v from govflow.access_events union select principal from govflow.access_events
    union select source_ip from govflow.access_events union select actor from govflow.audit_trail_events
    union select source_ip from govflow.audit_trail_events union select subject_id from govflow.consent_events`);
  return rows.map((r) => r.v).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

const json = (rows: unknown[]) => JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('export to an S3 bucket', () => {
  let first: GovernanceResult;
  let firstKeys: string[];

  it('runs the export step after mask and report and writes the window partition', async () => {
    first = await runSample('export');
    expect(first.tasks.export).toMatchObject({ state: 'success', counts: { files: EXPECTED_KEYS.length, objectsRemoved: 0 } });
    firstKeys = await s3.keys();
    expect(firstKeys).toEqual(EXPECTED_KEYS);
    // Server-side encryption was requested on every object written.
    const puts = s3.requests.filter((r) => r.method === 'PUT' && r.path.includes('/dt='));
    expect(puts).toHaveLength(EXPECTED_KEYS.length);
    for (const p of puts) expect(p.serverSideEncryption, p.path).toBe('AES256');
  });

  it('writes the masked rows of the window as Parquet, row for row, with no raw identifier', async () => {
    const identifiers = await rawIdentifiers();
    expect(identifiers).toEqual(expect.arrayContaining(['user-1004', '198.51.100.20', 'contractor-x']));
    for (const table of ['masked_events', 'masked_audit_trail']) {
      const db = await h.sql(`select * from govflow.${table} where occurred_hour >= $1 and occurred_hour < $2 order by source, event_id`, [SAMPLE_WINDOW.start, SAMPLE_WINDOW.end]);
      expect(db.length, table).toBeGreaterThan(0);
      const { rows, numRows } = await parquetRows(await s3.object(`${PARTITION}${table}.parquet`));
      expect(numRows, table).toBe(db.length);
      expect(rows.map((r) => r.event_id), table).toEqual(db.map((r) => r.event_id));
      expect(rows[0]!.occurred_hour, table).toEqual(db[0]!.occurred_hour);
      const dump = json(rows);
      const leaked = identifiers.filter((v) => dump.includes(v));
      expect(leaked, table).toEqual([]);
    }
    // The figure the run reported: 35 masked access events in the sample window.
    expect(first.kpis.maskedEvents).toBe(35);
    expect(first.tasks.export!.breakdown!.rows!.masked_events).toBe(35);
  });

  it('lists every file in the manifest with its SHA-256, size and rows, with the run and policy', async () => {
    const manifest = JSON.parse((await s3.object(`${PARTITION}manifest.json`)).toString('utf8')) as ExportManifest;
    expect(manifest).toMatchObject({
      format: 'govflow-export/1',
      workflowId: first.workflowId,
      runId: first.runId,
      window: first.window,
      partition: PARTITION,
      policyHash: h.config.policy.hash,
    });
    expect(manifest.files.map((f) => PARTITION + f.name).sort()).toEqual(EXPECTED_KEYS.filter((k) => !k.endsWith('manifest.json')));
    for (const f of manifest.files) {
      const body = await s3.object(PARTITION + f.name);
      expect(sha256(body), f.name).toBe(f.sha256);
      expect(body.length, f.name).toBe(f.bytes);
      if (f.name.endsWith('.parquet')) expect(f.rows, f.name).toBe((await parquetRows(body)).numRows);
    }
    const report = (await s3.object(`${PARTITION}compliance-report.html`)).toString('utf8');
    expect(report).toContain(first.workflowId);
  });

  it('replaces the window on a re-run: the same objects, nothing stale left, the new run in the manifest', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${PARTITION}masked_dropped_table.parquet`, Body: 'stale' }));
    const again = await runSample('export-again');
    expect(again.tasks.export).toMatchObject({ state: 'success', counts: { objectsRemoved: 1 } });
    expect(await s3.keys()).toEqual(firstKeys);
    const manifest = JSON.parse((await s3.object(`${PARTITION}manifest.json`)).toString('utf8')) as ExportManifest;
    expect(manifest.runId).toBe(again.runId);
    expect(manifest.files.find((f) => f.name === 'masked_events.parquet')!.rows).toBe(35);
  });
});

describe('S3 failures', () => {
  it('tells a missing bucket and refused credentials (not worth a retry) from a server that is down', async () => {
    const config = { target: 's3' as const, prefix: '', endpoint: s3.endpoint, forcePathStyle: true, serverSideEncryption: 'AES256' as const };
    const missing = await s3Target({ ...config, bucket: 'no-such-bucket' }).list('').catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'NoSuchBucket' });
    expect(isPermanentS3Error(missing)).toBe(true);

    process.env.AWS_ACCESS_KEY_ID = 'UNKNOWN-KEY';
    try {
      const refused = await s3Target({ ...config, bucket: s3.bucket }).list('').catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: 'InvalidAccessKeyId' });
      expect(isPermanentS3Error(refused)).toBe(true);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    }

    const down = await s3Target({ ...config, endpoint: 'http://127.0.0.1:1', bucket: s3.bucket }).list('').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(Error);
    expect(isPermanentS3Error(down)).toBe(false);
  });
});

describe('export to a folder', () => {
  it('lays the folder out like the bucket and replaces the window on a re-run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'govflow-export-folder-'));
    const run = { workflowId: 'folder-export', runId: 'r1', window: SAMPLE_WINDOW };
    const input = { db: h.db, run, target: folderTarget(root), prefix: PREFIX, policyHash: h.config.policy.hash };
    await exportWindow(input);
    const dir = join(root, 'govflow', 'dt=2026-11-01', 'hour=10');
    const files = readdirSync(dir).sort();
    expect(files.map((f) => PARTITION + f)).toEqual(EXPECTED_KEYS);
    const { numRows } = await parquetRows(readFileSync(join(dir, 'masked_events.parquet')));
    expect(numRows).toBe(35);

    const { manifest, removed } = await exportWindow({ ...input, run: { ...run, runId: 'r2' } });
    expect(removed).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(files);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject({ runId: 'r2', files: manifest.files });
  });
});
