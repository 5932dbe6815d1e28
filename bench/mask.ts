import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../cli/commands/migrate';
import { COLUMNS, generate } from './mask-events';

// npm run bench:mask [-- --events N]
// The mask step against the floor Postgres sets for moving the same rows: psql \copy of N
// synthetic access events (bench/mask-events.ts) into govflow.access_events of a fresh database,
// timed; then the mask step (the activity a worker runs, in a process of its own for its peak
// RSS) over exactly those rows. For N/10 and N events; the last line is the rates' ratio at N.
// --keep-db keeps the N-event database, masked, for bench/mask-once.ts and EXPLAIN.

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, 'keep-db': { type: 'boolean', default: false } } });
const N = Number(values.events);
if (!Number.isInteger(N) || N < 1000) throw new Error('--events must be a whole number of at least 1000');
const SIZES = [Math.round(N / 10), N];
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const WINDOW = { start: '2026-10-01T00:00:00Z', end: '2026-10-08T00:00:00Z' };
const work = mkdtempSync(join(tmpdir(), 'govflow-bench-mask-'));
const stamp = `govflow_bench_mask_${Date.now()}`;
const admin = new pg.Client({ connectionString: `${PG}/postgres` });
const log = (s: string) => console.log(s);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function maskOnce(url: string): Promise<{ seconds: number; masked: number; peakMb: number; phases: Record<string, number> }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/mask-once.ts', url, WINDOW.start, WINDOW.end], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`mask step exited ${code}`))));
  });
}

async function main() {
  await admin.connect();
  const results: Array<{ size: number; copyRate: number; maskRate: number; peakMb: number }> = [];
  try {
    for (const size of SIZES) {
      const file = join(work, `e${size}.csv`);
      log(`\n== ${fmt(size)} events: generating…`);
      await generate(size, file);
      log(`   csv ${(statSync(file).size / 1e6).toFixed(0)} MB`);
      const name = `${stamp}_${size}`;
      const url = `${PG}/${name}`;
      await migrate(url, () => {});
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      for (let d = 1; d <= 8; d++) await c.query(`select govflow.ensure_access_partition('2026-10-0${d}'::date)`);
      try {
        // Each timed part starts from a checkpoint (untimed), so neither pays for the other's WAL:
        // a checkpoint set off by the \copy's half a gigabyte of WAL otherwise runs during the
        // mask step and was 2 s of it. Needs superuser or pg_checkpoint; without, a note and on.
        const checkpoint = () => c.query('checkpoint').catch((err: Error) => log(`   (no checkpoint: ${err.message})`));
        await checkpoint();
        // 1. The floor: psql \copy of the rows.
        const t0 = process.hrtime.bigint();
        const psql = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy govflow.access_events (${COLUMNS}) from '${file}' csv`], { encoding: 'utf8' });
        const copySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (psql.status !== 0) throw new Error(`psql \\copy failed: ${psql.stderr}`);
        const copyRate = size / copySeconds;
        log(`   psql \\copy      ${copySeconds.toFixed(2).padStart(7)} s  ${fmt(copyRate).padStart(9)} events/s`);
        // Autovacuum would analyse the fresh rows sooner or later; the bench does it now, untimed.
        await c.query('vacuum analyze govflow.access_events');
        await checkpoint();

        // 2. The mask step over the same rows.
        const r = await maskOnce(url);
        if (r.masked !== size) throw new Error(`the mask step masked ${r.masked} of ${size} events`);
        const maskRate = size / r.seconds;
        log(`   mask step       ${r.seconds.toFixed(2).padStart(7)} s  ${fmt(maskRate).padStart(9)} events/s  ratio ${(maskRate / copyRate).toFixed(2)}  peak RSS ${r.peakMb.toFixed(0)} MB`);
        log(`     phases (s, from the first heartbeat of each): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
        const [distinct] = (await c.query(`select count(distinct resource)::int as urls, count(distinct user_agent)::int as uas, count(distinct subject_id)::int as people from govflow.access_events`)).rows;
        log(`   (${fmt(distinct.urls)} distinct URLs, ${fmt(distinct.uas)} user agents, ${fmt(distinct.people)} people)`);
        results.push({ size, copyRate, maskRate, peakMb: r.peakMb });
      } finally {
        await c.end();
        if (values['keep-db'] && size === N) log(`   kept: ${url}`);
        else await admin.query(`drop database if exists ${name} with (force)`);
        rmSync(file, { force: true });
      }
    }
  } finally {
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  log('\nSummary');
  log(`  peak RSS ${fmt(small.size)} → ${fmt(large.size)} events: ${small.peakMb.toFixed(0)} → ${large.peakMb.toFixed(0)} MB (${((large.peakMb / small.peakMb - 1) * 100).toFixed(0)}%)`);
  log(`  at ${fmt(large.size)} events: psql \\copy ${fmt(large.copyRate)}/s, mask step ${fmt(large.maskRate)}/s   goal: ratio ≥ 1`);
  log(`mask/copy ratio: ${(large.maskRate / large.copyRate).toFixed(2)}`);
}

await main();
