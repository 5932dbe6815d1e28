import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb, createPool, type Db } from '../../db/pool';
import { cloneTestDatabase } from '../support/harness';
import { accessAuditKpis } from '../../reporting/access-audit';
import { maskedInWindow } from '../../reporting/report-kpis';

// The report reads its figures with planner settings and rewritten queries (db/planner.ts): the
// access audit's tallies from one pass over every combination of the tallied columns, distinct
// counts hashed, the masked count as one hash join. Each must equal the plain query it replaced —
// per-column GROUP BY ... ORDER BY n DESC, key LIMIT 10, count(distinct ...), the join as written —
// over a window with ties, NULL keys, more than ten keys, rows outside it and an event id seen twice.

const W = { start: '2026-11-02T00:00:00.000Z', end: '2026-11-03T00:00:00.000Z' };
const RUN = { workflowId: 'report-figures', runId: 'r', window: W };

let pool: pg.Pool;
let db: Db;
beforeAll(async () => {
  pool = createPool(await cloneTestDatabase(), 4);
  db = createDb(pool);
  // 720 events in the window, 60 before it and 40 after; keys with ties (region: 4 × 180), NULLs,
  // and more than ten values (purpose: 13, data_category: 12).
  await sql`
    insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, data_category, purpose, outcome, region)
    select 'app', 'e' || i, ${W.start}::timestamptz + (i - 60) * interval '2 minutes',
           case when i % 11 = 0 then null else 'svc-' || (i % 7) end,
           case when i % 19 = 0 then null else 's' || (i % 41) end,
           'a' || (i % 3),
           case when i % 9 = 0 then null else 'c' || (i % 12) end,
           case when i % 17 = 0 then null else 'p' || (i % 13) end,
           (array['success', 'denied', 'failed'])[1 + i % 3],
           'r' || (i % 4)
    from generate_series(0, 819) i`.execute(db);
  // The same event id once more at another time in the window (another partition key), and an
  // event of another source with an id the first source also uses.
  await sql`
    insert into govflow.access_events (source, event_id, occurred_at, action, outcome)
    values ('app', 'e100', ${W.start}::timestamptz + interval '20 hours', 'read', 'success'),
           ('crm', 'e101', ${W.start}::timestamptz + interval '1 hour', 'read', 'success')`.execute(db);
  // Masked rows for two thirds of the events, inside the window and out, in their event's hour.
  await sql`
    insert into govflow.masked_events (source, event_id, occurred_hour, action, outcome, key_id, workflow_id)
    select e.source, e.event_id, date_trunc('hour', e.occurred_at), e.action, e.outcome, 'k1', 'w'
    from govflow.access_events e where e.event_id <> 'e100' and substr(e.event_id, 2)::int % 3 <> 0`.execute(db);
  await sql`
    insert into govflow.masked_events (source, event_id, occurred_hour, action, outcome, key_id, workflow_id)
    values ('app', 'e100', date_trunc('hour', ${W.start}::timestamptz + interval '80 minutes'), 'read', 'success', 'k1', 'w'),
           ('app', 'e100', date_trunc('hour', ${W.start}::timestamptz + interval '20 hours'), 'read', 'success', 'k1', 'w')`.execute(db);
});
afterAll(async () => {
  await db?.destroy();
});

const inW = sql`e.occurred_at >= ${W.start}::timestamptz and e.occurred_at < ${W.end}::timestamptz`;

describe('report figures read with pinned plans equal the plain queries', () => {
  it('access audit: totals, distinct counts and every tally (ties by key, NULL as "(none)", top 10)', async () => {
    const kpis = await accessAuditKpis(db, RUN);
    const plain = async (column: string) => {
      const { rows } = await sql<{ key: string | null; n: number }>`
        select ${sql.ref(column)} as key, count(*)::int as n from govflow.access_events e
        where ${inW} group by 1 order by n desc, 1 limit 10`.execute(db);
      return rows.map((r) => ({ key: r.key ?? '(none)', n: r.n }));
    };
    const { rows: [counts] } = await sql<{ n: number; principals: number; subjects: number }>`
      select count(*)::int as n, count(distinct principal)::int as principals, count(distinct subject_id)::int as subjects
      from govflow.access_events e where ${inW}`.execute(db);
    expect(counts!.n).toBe(722);
    expect({
      accessEvents: kpis.accessEvents, distinctPrincipals: kpis.distinctPrincipals, distinctSubjects: kpis.distinctSubjects,
      byOutcome: kpis.byOutcome, byAction: kpis.byAction, byDataCategory: kpis.byDataCategory, byPurpose: kpis.byPurpose, byRegion: kpis.byRegion,
    }).toEqual({
      accessEvents: counts!.n, distinctPrincipals: counts!.principals, distinctSubjects: counts!.subjects,
      byOutcome: await plain('e.outcome'), byAction: await plain('e.action'), byDataCategory: await plain('e.data_category'),
      byPurpose: await plain('e.purpose'), byRegion: await plain('e.region'),
    });
    expect(kpis.byPurpose).toHaveLength(10);
    expect(kpis.byDataCategory.some((t) => t.key === '(none)')).toBe(true);
  });

  it('masked count: the join of masked_events to the window’s access events, pairs and all', async () => {
    const { rows: [plain] } = await sql<{ n: number }>`
      select count(*)::int as n from govflow.masked_events m join govflow.access_events e using (source, event_id)
      where ${inW} and m.occurred_hour >= ${W.start}::timestamptz and m.occurred_hour < ${W.end}::timestamptz`.execute(db);
    expect(plain!.n).toBeGreaterThan(400);
    expect(await maskedInWindow(db, W)).toBe(plain!.n);
  });

  it('empty window: zeros and empty tallies', async () => {
    const kpis = await accessAuditKpis(db, { ...RUN, window: { start: '2027-01-01T00:00:00.000Z', end: '2027-01-02T00:00:00.000Z' } });
    expect(kpis).toMatchObject({ accessEvents: 0, distinctPrincipals: 0, distinctSubjects: 0, byOutcome: [], byRegion: [] });
    expect(await maskedInWindow(db, { start: '2027-01-01T00:00:00.000Z', end: '2027-01-02T00:00:00.000Z' })).toBe(0);
  });
});
