// npm run bench:export [-- --rows N]
// The export step's throughput and memory against the floor Postgres sets for getting the same
// rows out: psql \copy (select …) to a CSV file, in the same run. Creates (and afterwards drops) a
// database of its own, fills masked_events with N rows of one hour (20,000 people, 50 principals),
// then for N/10 and N rows exports the window to a folder target exactly as the worker's step does
// (Postgres pages → Parquet → SHA-256 → target, plus manifest) and prints rows/s, the Parquet's
// size beside the CSV's, and the process's peak RSS so far (VmHWM).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { migrate } from '../cli/commands/migrate';
import { createDb, createPool } from '../db/pool';
import { exportWindow } from '../lifecycle/export/export-window';
import { folderTarget } from '../lifecycle/export/folder-target';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const N = Number(values.rows);
if (!Number.isInteger(N) || N < 1000) throw new Error('--rows must be a whole number of at least 1000');
const base = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const work = mkdtempSync(join(tmpdir(), 'govflow-bench-export-'));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

await migrate(`${base}/govflow_bench_export_${process.pid}`, () => {});
const urls: string[] = [];
try {
  for (const rows of [Math.round(N / 10), N]) {
    const name = `govflow_bench_export_${process.pid}_${rows}`;
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    await admin.query(`create database ${name} template govflow_bench_export_${process.pid}`);
    await admin.end();
    const url = `${base}/${name}`;
    urls.push(name);
    const pool = createPool(url, 2);
    const db = createDb(pool);
    const window = { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' };
    await sql`
      insert into govflow.masked_events (source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
                                         purpose, outcome, ip_prefix, region, user_agent, key_id, workflow_id)
      select 'bench', 'e' || i, ${window.start}::timestamptz, 'p_' || md5('agent' || (i % 50)), 'p_' || md5('user' || (i % 20000)), 'read',
             '/api/v1/users/{user}/watch-history', 'user.behavior', 'analytics', 'success', '198.51.' || (i % 256) || '.0/24', 'eu-west-1',
             'Safari 17 / iOS 17.4 / mobile', 'k1', 'bench'
      from generate_series(1, ${rows}) i`.execute(db);
    await sql`vacuum analyze govflow.masked_events`.execute(db);

    // 1. The floor: psql \copy of the window's rows to CSV.
    const csv = join(work, `${rows}.csv`);
    let t = Date.now();
    const psql = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc',
      `\\copy (select * from govflow.masked_events where occurred_hour >= '${window.start}' and occurred_hour < '${window.end}' order by source, event_id) to '${csv}' csv`], { encoding: 'utf8' });
    if (psql.status !== 0) throw new Error(`psql \\copy failed: ${psql.stderr}`);
    const copySeconds = (Date.now() - t) / 1000;

    // 2. govflow: the export step's code, to a folder target.
    t = Date.now();
    const { manifest } = await exportWindow({ db, run: { workflowId: 'bench', runId: 'bench', window }, target: folderTarget(join(work, `out-${rows}`)), prefix: '', policyHash: 'bench' });
    const seconds = (Date.now() - t) / 1000;
    const parquet = manifest.files.find((f) => f.name === 'masked_events.parquet')!;
    if (parquet.rows !== rows) throw new Error(`exported ${parquet.rows} rows, expected ${rows}`);
    console.log(`${fmt(rows)} rows: psql \\copy ${copySeconds.toFixed(2)} s (${fmt(rows / copySeconds)}/s, CSV ${fmt(statSync(csv).size / 1e6)} MB); ` +
      `export ${seconds.toFixed(2)} s (${fmt(rows / seconds)}/s, Parquet ${(parquet.bytes / 1e6).toFixed(1)} MB), ratio ${(copySeconds / seconds).toFixed(2)}; peak RSS so far ${fmt(peakMb())} MB`);
    await db.destroy();
  }
} finally {
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  for (const name of [...urls, `govflow_bench_export_${process.pid}`]) await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}
