import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { migrate } from '../cli/commands/migrate';
import { generate } from './generate-events';

// npm run bench:ingest [-- --events N]
// Ingest throughput and memory, against the floor Postgres itself sets: psql \copy of the same
// records into an equivalent table, in the same run. "Equivalent" is taken literally: the copy
// goes into govflow.access_events itself in a fresh database (same columns, keys, indexes and
// daily partitions, created beforehand for \copy's benefit), so the only difference measured is
// govflow's own work: reading, parsing, checking, idempotency and bookkeeping.

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const N = Number(values.events);
if (!Number.isInteger(N) || N < 1000) throw new Error('--events must be a whole number of at least 1000');
const SIZES = [Math.round(N / 10), N];
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const work = mkdtempSync(join(tmpdir(), 'govflow-bench-'));
const stamp = `govflow_bench_${Date.now()}`;
const template = `${stamp}_tpl`;
const admin = new pg.Client({ connectionString: `${PG}/postgres` });
const log = (s: string) => console.log(s);

async function cloneDb(name: string): Promise<string> {
  await admin.query(`create database ${name} template ${template}`);
  return `${PG}/${name}`;
}

async function dropDb(name: string) {
  await admin.query(`drop database if exists ${name} with (force)`);
}

// The heap bound we recommend for workers (README: NODE_OPTIONS). Without a bound V8 lets the heap
// grow lazily with the work done, so unbounded peak RSS measures V8's appetite, not what ingest holds.
const BOUNDED_HEAP = ['--max-old-space-size=256'];

function govflowIngest(url: string, config: string, nodeFlags: string[] = []): Promise<{ seconds: number; records: number; inserted: number; rejected: number; peakMb: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'bench/ingest-once.ts', url, config], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`ingest exited ${code}`))));
  });
}

function configFor(dir: string, source: object): string {
  const file = join(dir, `govflow-${Date.now()}.yaml`);
  writeFileSync(file, stringify({ policy: resolve('policy.yaml'), sources: [source] }));
  return file;
}

const rate = (n: number, s: number) => Math.round(n / s);
const fmt = (n: number) => n.toLocaleString('en-US');

async function main() {
  await admin.connect();
  await migrate(`${PG}/${template}`, () => {});
  type Measured = { rate: number; peakMb: number };
  const results: Array<{ size: number; copyRate: number; jsonl: Measured; csv: Measured; bounded: Measured }> = [];
  try {
    for (const size of SIZES) {
      const files = { jsonl: join(work, `e${size}.jsonl`), csv: join(work, `e${size}.csv`), copyCsv: join(work, `e${size}.copy.csv`), copySource: 'bench-copy' };
      log(`\n== ${fmt(size)} events: generating…`);
      await generate(size, files);
      log(`   jsonl ${(statSync(files.jsonl).size / 1e6).toFixed(0)} MB, csv ${(statSync(files.csv).size / 1e6).toFixed(0)} MB`);

      // 1. The floor: psql \copy into an equivalent table.
      const copyDbName = `${stamp}_copy_${size}`;
      const copyDb = await cloneDb(copyDbName);
      const c = new pg.Client({ connectionString: copyDb });
      await c.connect();
      for (let d = 1; d <= 8; d++) await c.query(`select govflow.ensure_access_partition('2026-10-0${d}'::date)`);
      await c.end();
      const cols = 'source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose, outcome, source_ip, region, user_agent, file, position';
      const t0 = process.hrtime.bigint();
      const psql = spawnSync('psql', [copyDb, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy govflow.access_events (${cols}) from '${files.copyCsv}' csv`], { encoding: 'utf8' });
      const copySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (psql.status !== 0) throw new Error(`psql \\copy failed: ${psql.stderr}`);
      await dropDb(copyDbName);
      const copyRate = rate(size, copySeconds);
      log(`   psql \\copy            ${copySeconds.toFixed(2).padStart(7)} s  ${fmt(copyRate).padStart(9)} events/s`);

      // 2. govflow, from JSONL and from CSV, each in a process of its own (for its peak memory).
      const measured: Record<string, { rate: number; peakMb: number }> = {};
      const csvOptions = { columns: Object.fromEntries(['event_id', 'time', 'principal', 'subject', 'action', 'resource', 'data_category', 'purpose', 'outcome', 'source_ip', 'region', 'user_agent'].map((k) => [k, k])) };
      for (const [label, format, path, options, flags] of [
        ['jsonl', 'jsonl', files.jsonl, {}, []],
        ['csv', 'csv', files.csv, csvOptions, []],
        ['bounded', 'jsonl', files.jsonl, {}, BOUNDED_HEAP],
      ] as const) {
        const dbName = `${stamp}_${label}_${size}`;
        const url = await cloneDb(dbName);
        const r = await govflowIngest(url, configFor(work, { name: `bench-${format}`, kind: 'access', format, path, options }), [...flags]);
        await dropDb(dbName);
        if (r.inserted !== size) throw new Error(`govflow ${format} loaded ${r.inserted} of ${size} events`);
        measured[label] = { rate: rate(size, r.seconds), peakMb: r.peakMb };
        const name = label === 'bounded' ? 'jsonl, heap ≤256M' : format;
        log(`   govflow ingest ${name.padEnd(17)} ${r.seconds.toFixed(2).padStart(7)} s  ${fmt(measured[label]!.rate).padStart(9)} events/s  ratio ${(measured[label]!.rate / copyRate).toFixed(2)}  peak RSS ${r.peakMb.toFixed(0)} MB`);
      }
      results.push({ size, copyRate, jsonl: measured.jsonl!, csv: measured.csv!, bounded: measured.bounded! });
      rmSync(files.jsonl);
      rmSync(files.csv);
      rmSync(files.copyCsv);
    }
  } finally {
    await dropDb(template);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }

  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  const growth = (f: 'jsonl' | 'csv' | 'bounded') => ((large[f].peakMb / small[f].peakMb - 1) * 100).toFixed(0);
  const mem = (f: 'jsonl' | 'csv' | 'bounded') => `${small[f].peakMb.toFixed(0)} → ${large[f].peakMb.toFixed(0)} MB (${growth(f)}%)`;
  log('\nSummary');
  log(`  peak memory ${fmt(small.size)} → ${fmt(large.size)} events: jsonl ${mem('jsonl')}, csv ${mem('csv')}; with the recommended heap bound: ${mem('bounded')}   goal: within 20%`);
  log(`  at ${fmt(large.size)} events: psql \\copy ${fmt(large.copyRate)}/s, govflow jsonl ${fmt(large.jsonl.rate)}/s, csv ${fmt(large.csv.rate)}/s   goal: ratio ≥ 0.60`);
  // The headline is the slower of the two formats: what a user can count on.
  log(`ingest/copy ratio: ${(Math.min(large.jsonl.rate, large.csv.rate) / large.copyRate).toFixed(2)}`);
}

await main();
