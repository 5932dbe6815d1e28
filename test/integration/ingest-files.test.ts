import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import type { GovernanceResult } from '../../workflows/governance';

// Files as they live on a host, through real governance runs into real Postgres: a log that grows
// between runs loads only its new lines; logrotate's rename, then gzip, of a file already read
// loads nothing twice (and a rotated file that grew after the last read loads only its tail); a
// line still being written waits for its newline; globs follow symlinks; a UTF-8 byte-order mark
// is not part of the first record; a CSV header in the canonical field names needs no mapping.

const dir = mkdtempSync(join(tmpdir(), 'govflow-files-'));
const web = join(dir, 'web');
const small = join(dir, 'small');
mkdirSync(web);
mkdirSync(small);

/** One combined-format line per request, each for its own resource: a line's resource names it. */
const line = (n: number) => `203.0.113.${n % 200} - - [01/Nov/2026:10:${String(n % 60).padStart(2, '0')}:00 +0000] "GET /titles/${n} HTTP/1.1" 200 512 "-" "curl/8.5"\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');
/** Makes a file look freshly written (a writer may still be at it) or long finished. */
const touch = (path: string, ageMs: number) => utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));

// Kubernetes: /var/log/containers/<pod>_<ns>_<container>-<id>.log are symlinks into /var/log/pods.
const pods = join(dir, 'pods', 'shop_web-1_uid', 'app');
mkdirSync(pods, { recursive: true });
mkdirSync(join(dir, 'containers'));
const podLine = (i: number) => JSON.stringify({ time: '2026-11-01T10:05:00Z', principal: 'svc', subject: `user-${i}`, action: 'read', outcome: 'success' });
writeFileSync(join(pods, '0.log'), `${podLine(1)}\n${podLine(2)}\n`);
symlinkSync(join(pods, '0.log'), join(dir, 'containers', 'web-1_shop_app-abc.log'));

// A byte-order mark before the first record (Windows exporters write one), in JSONL and CSV.
const BOM = '\uFEFF';
writeFileSync(join(dir, 'bom.jsonl'), `${BOM}${podLine(10)}\n${podLine(11)}\n`);
writeFileSync(
  join(dir, 'audit.csv'),
  `${BOM}Time,actor,action,outcome,source_ip\n2026-11-01T10:01:00Z,alice,iam:CreateUser,success,198.51.100.4\n2026-11-01T10:02:00Z,bob,iam:DeleteUser,denied,198.51.100.5\n`,
);
writeFileSync(join(dir, 'vendor.csv'), 'When,Who,What\n2026-11-01T10:01:00Z,alice,login\n2026-11-01T10:02:00Z,bob,login\n');
for (const f of ['bom.jsonl', 'audit.csv', 'vendor.csv']) touch(join(dir, f), 60_000);

const config = writeConfig([
  { name: 'web', kind: 'access', format: 'combined', path: `${web}/access.log*`, options: { purpose: 'service_delivery' } },
  { name: 'small', kind: 'access', format: 'combined', path: `${small}/*.log*` },
  { name: 'k8s', kind: 'access', format: 'jsonl', path: `${dir}/containers/*.log` },
  { name: 'bom', kind: 'access', format: 'jsonl', path: `${dir}/bom.jsonl` },
  { name: 'csv-canonical', kind: 'audit', format: 'csv', path: `${dir}/audit.csv` },
  { name: 'csv-vendor', kind: 'audit', format: 'csv', path: `${dir}/vendor.csv` },
]);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ configFile: config });
});
afterAll(async () => {
  await h?.close();
});

const WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };
let runs = 0;
async function run(): Promise<GovernanceResult> {
  const r: GovernanceResult = await h.client.workflow.execute('governanceRun', {
    taskQueue: h.taskQueue, workflowId: `files-${(runs += 1)}-${Date.now()}`, args: [{ window: WINDOW }],
  });
  expect(r.tasks.ingest!.state).toBe('success');
  return r;
}
/** The resources loaded for a source, in order, with repeats: each must appear once. */
async function resources(source: string): Promise<number[]> {
  const rows = await h.sql('select resource from govflow.access_events where source = $1', [source]);
  return rows.map((r) => Number(String(r.resource).replace('/titles/', ''))).sort((a, b) => a - b);
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('files that grow and rotate between runs', () => {
  const log = join(web, 'access.log');
  const tiny = join(small, 'app.log');

  it('loads a file, then exactly the lines appended to it', async () => {
    writeFileSync(log, lines(1, 20)); // over 1 KiB: fingerprinted by its first 1,024 bytes
    writeFileSync(tiny, lines(1, 3)); // under 1 KiB: fingerprinted by its complete lines
    const first = await run();
    expect(first.tasks.ingest!.counts).toMatchObject({ rowsInserted: 20 + 3 + 2 + 2 + 2 }); // + k8s, bom, csv
    expect(await resources('web')).toEqual(range(1, 20));
    expect(await resources('small')).toEqual(range(1, 3));

    appendFileSync(log, line(21));
    appendFileSync(tiny, line(4)); // the case: 3 lines, then 1 appended → 4 rows, not 7
    const second = await run();
    expect(second.tasks.ingest!.counts).toMatchObject({ rowsInserted: 2, duplicateEvents: 0 });
    expect(await resources('web')).toEqual(range(1, 21));
    expect(await resources('small')).toEqual(range(1, 4));
  });

  it('holds back a last line still being written until its newline comes', async () => {
    const l22 = line(22);
    appendFileSync(log, l22.slice(0, 40)); // a writer flushed half a line
    touch(log, -60_000);
    const third = await run();
    expect(third.tasks.ingest!.counts).toMatchObject({ rowsInserted: 0 });
    appendFileSync(log, l22.slice(40));
    const fourth = await run();
    expect(fourth.tasks.ingest!.counts!.rowsInserted).toBe(1);
    expect(await resources('web')).toEqual(range(1, 22));
    expect(await h.sql("select * from govflow.rejected_records where source = 'web'")).toEqual([]);
  });

  it('reads a renamed rotation only past what was read, and its gzip not at all', async () => {
    // The file grew after the last run, then logrotate renamed it and a new one was started.
    appendFileSync(log, lines(23, 24));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(100, 129));
    const rotated = await run();
    expect(rotated.tasks.ingest!.counts).toMatchObject({ rowsInserted: 2 + 30, duplicateEvents: 0, filesFailed: 0 });
    expect(await resources('web')).toEqual([...range(1, 24), ...range(100, 129)]);

    // The next rotation compresses it (access.log.1 → access.log.2.gz) and renames the current one.
    writeFileSync(`${log}.2.gz`, gzipSync(readFileSync(`${log}.1`)));
    rmSync(`${log}.1`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(200, 201));
    appendFileSync(tiny, line(5));
    writeFileSync(join(small, 'app.log.1.gz'), gzipSync(readFileSync(tiny))); // a compressed copy beside it
    const compressed = await run();
    expect(compressed.tasks.ingest!.counts).toMatchObject({ rowsInserted: 2 + 1, duplicateEvents: 0, filesFailed: 0 });
    expect(compressed.tasks.ingest!.counts!.filesAlreadyLoaded).toBeGreaterThanOrEqual(3);
    expect(await resources('web')).toEqual([...range(1, 24), ...range(100, 129), 200, 201]);
    expect(await resources('small')).toEqual(range(1, 5));

    // And nothing again when nothing changed.
    const again = await run();
    expect(again.tasks.ingest!.counts).toMatchObject({ rowsInserted: 0, filesLoaded: 0 });
    const [ids] = await h.sql("select count(*)::int as n, count(distinct event_id)::int as d from govflow.access_events where source = 'web'");
    expect(ids).toEqual({ n: 56, d: 56 });
  });

  it('treats a file shorter than what was read of it (truncated, written anew) as a new file', async () => {
    appendFileSync(log, lines(202, 230));
    expect((await run()).tasks.ingest!.counts!.rowsInserted).toBe(29);
    // Rewritten with the same first 1 KiB but shorter than the committed offset: a new logical
    // file (a new generation), read from its start; its lines are new events.
    writeFileSync(log, lines(200, 212) + lines(300, 302));
    const r = await run();
    expect(r.tasks.ingest!.counts!.rowsInserted).toBe(16);
    const [m] = await h.sql("select generation, committed_position from govflow.ingested_files where source = 'web' and path = $1", [log]);
    expect(m).toEqual({ generation: 1, committed_position: 16 });
  });
});

describe('what a host puts around its files', () => {
  it('follows the symlinks of /var/log/containers', async () => {
    const rows = await h.sql("select subject_id from govflow.access_events where source = 'k8s' order by subject_id");
    expect(rows.map((r) => r.subject_id)).toEqual(['user-1', 'user-2']);
  });

  it('does not take a byte-order mark for part of the first record', async () => {
    const rows = await h.sql("select subject_id from govflow.access_events where source = 'bom' order by subject_id");
    expect(rows.map((r) => r.subject_id)).toEqual(['user-10', 'user-11']);
    expect(await h.sql("select * from govflow.rejected_records where source = 'bom'")).toEqual([]);
  });

  it('maps a CSV header that uses the canonical field names, and names the columns another header lacks', async () => {
    const rows = await h.sql("select actor, action, outcome, source_ip from govflow.audit_trail_events where source = 'csv-canonical' order by actor");
    expect(rows).toEqual([
      { actor: 'alice', action: 'iam:CreateUser', outcome: 'success', source_ip: '198.51.100.4' },
      { actor: 'bob', action: 'iam:DeleteUser', outcome: 'denied', source_ip: '198.51.100.5' },
    ]);
    const rejected = await h.sql("select position, reason from govflow.rejected_records where source = 'csv-vendor' order by position");
    expect(rejected.map((r) => r.position)).toEqual([1, 2, 3]);
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['header lacks canonical column(s) "time", "action", "outcome" (name the columns so, or map them with options.columns)']));
  });
});
