// Throughput of the mask step on synthetic access events, against the machine's Postgres.
//   npx tsx bench/mask-step.ts [events=200000]
// Creates (and afterwards drops) a database of its own, loads N events with generate_series,
// 20,000 people, a third of user agents carrying the person's email (tokenised), one query in
// ten an email parameter (pseudonymised); then runs the mask activity over the window exactly as the worker would (outside Temporal),
// and prints events per second. A second pass shows the cost of an idempotent re-run.
import { MockActivityEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { sql } from 'kysely';
import { migrate } from '../cli/commands/migrate';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { maskActivities } from '../activities/mask';
import type { TaskResult } from '../workflow-safe/dag';

const N = Number(process.argv[2] ?? 200_000);
const base = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const name = `govflow_bench_mask_${process.pid}`;
const url = `${base}/${name}`;

await migrate(url, () => {});
const pool = createPool(url, 4);
const db = createDb(pool);
try {
  const window = { start: '2026-11-01T00:00:00.000Z', end: '2026-11-02T00:00:00.000Z' };
  await sql`select govflow.ensure_access_partition('2026-11-01'::date)`.execute(db);
  const t0 = Date.now();
  await sql`
    insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose, outcome, source_ip, region, user_agent)
    select 'bench', 'e' || i, '2026-11-01'::timestamptz + (i % 86400) * interval '1 second',
           'agent-' || (i % 50), 'user-' || (i % 20000), 'read',
           '/api/v1/users/user-' || (i % 20000) || '/watch-history?page=' || (i % 5) || case when i % 10 = 0 then '&email=u' || i || '@example.com' else '' end,
           'user.behavior', 'analytics', 'success', '198.51.' || (i % 256) || '.' || (i % 200), 'eu-west-1',
           case when i % 3 = 0 then 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36' else 'StreamApp/8.2.1 (iPhone; iOS 17.4) contact u' || (i % 20000) || '@example.com' end
    from generate_series(1, ${N}) i`.execute(db);
  console.log(`loaded ${N} events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const deps = { pool, db, config: loadConfig('govflow.yaml'), env: loadEnv({ DATABASE_URL: url }) };
  const { mask } = maskActivities(deps);
  const env = new MockActivityEnvironment();
  for (const pass of ['first run', 're-run']) {
    const t = Date.now();
    const r = (await env.run(mask, { workflowId: 'bench', runId: 'bench', window })) as TaskResult;
    const s = (Date.now() - t) / 1000;
    console.log(`${pass}: ${r.counts.maskedEvents} masked in ${s.toFixed(1)} s = ${Math.round(N / s)} events/s`);
  }
  const [vault] = (await pool.query('select count(*)::int as n from govflow.pii_vault')).rows;
  console.log(`vault entries: ${vault.n}`);
} finally {
  await db.destroy();
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.end();
}
