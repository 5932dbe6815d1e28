import type pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { accessDays, isRacedCreate } from '../db/day-partitions';
import type { Window } from '../workflow-safe/window';

// masked_events is partitioned by UTC day of occurred_hour (migration 2026-11-30T1900). A mask step
// whose window is made of whole days writes each day into a fresh table and swaps it in for the
// day's partition, instead of deleting and inserting row by row into a table with three indexes:
//
//  1. lock the day's partition against other writers (SHARE ROW EXCLUSIVE: readers go on; two
//     steps over the same day take turns);
//  2. the caller makes the fresh table by CREATE TABLE … AS from the day's new rows, which
//     PostgreSQL plans in parallel (an INSERT … SELECT never is): 4.2 s against 6.7 s for the
//     million rows of bench:dag's day on this 2-core machine (bench/README.md);
//  3. shapeFreshDay gives it masked_events' NOT NULLs and defaults (read from the catalog, so a
//     later column of masked_events is carried without a change here) and a CHECK of the day's
//     bounds, so that attaching it needs no second scan; then the day's masked rows the window
//     does not rewrite (those of raw events no longer in access_events, e.g. removed by retention
//     while the analytics copy is kept) are added;
//  4. the primary key and the two indexes built once, sorted: at a million rows 3.5 s against
//     7.0 s for inserting the same rows into the indexed table in key order (bench/README.md);
//  5. at the very end of the step's transaction, the old partition detached and dropped, the new
//     one attached in its place. Detaching takes an ACCESS EXCLUSIVE lock on masked_events, held
//     only from then until the commit right after: readers wait milliseconds, not the step.
// All of it is in the step's transaction: a failed step leaves the old partition as it was.
// If a concurrent writer into the same day queued behind step 1 while holding its lock on
// masked_events, PostgreSQL's deadlock detection cancels one of the two and Temporal retries it.

const DAY_MS = 86_400_000;

/** Whether a window is made of whole UTC days (starts and ends at midnight). */
export const isWholeDays = (window: Window) =>
  Date.parse(window.start) % DAY_MS === 0 && Date.parse(window.end) % DAY_MS === 0 && Date.parse(window.end) > Date.parse(window.start);

/** How many UTC days a window touches. */
export const dayCount = (window: Window) =>
  Math.ceil(Date.parse(window.end) / DAY_MS) - Math.floor(Date.parse(window.start) / DAY_MS);

/** A day's bounds, ISO-8601 UTC: [start, end). */
export const dayBounds = (day: string) => ({ start: `${day}T00:00:00.000Z`, end: new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString() });

/**
 * Makes the partitions of masked_events for the days of a window that have a partition of
 * access_events (govflow.ensure_masked_partition): the days that can hold masked rows, so that
 * those never land in the default partition. A window of years over a few days of data makes a
 * few partitions. Returns the partitions' names by day (YYYY-MM-DD), in order.
 */
export async function ensureMaskedDays(db: Db, window: Window): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const day of await accessDays(db, window)) {
    // One statement (one transaction) per day; a step that lost a race for it asks again.
    const ensure = () => sql<{ name: string }>`select govflow.ensure_masked_partition(${day}::date) as name`.execute(db);
    const { rows } = await ensure().catch((err: unknown) => {
      if (isRacedCreate(err)) return ensure();
      throw err;
    });
    names.set(day, rows[0]!.name);
  }
  return names;
}

/** The masked_events columns, in the table's order. */
export const MASKED_EVENT_COLUMNS = `source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
  purpose, outcome, ip_prefix, region, user_agent, key_id, workflow_id, masked_at`;

/** One day being rewritten: its partition and the fresh table that will replace it. */
export interface FreshDay {
  day: string;
  partition: string;
  fresh: string;
}

/** Step 1: locks the day's partition; the fresh table is the caller's CREATE TABLE … AS (step 2). */
export async function startFreshDay(client: pg.PoolClient, day: string, partition: string): Promise<FreshDay> {
  await client.query(`lock table govflow.${partition} in share row exclusive mode`);
  return { day, partition, fresh: `${partition}_next` };
}

/**
 * Step 3: the fresh table made by CREATE TABLE … AS gets what ATTACH PARTITION asks of a
 * partition and what a partition of masked_events carries: masked_events' NOT NULL columns and
 * defaults, and the day's bounds as a CHECK. One ALTER TABLE, so one scan of the day's rows.
 * The caller's SELECT must give masked_events' columns with their types and collations
 * (subject_key is collate "C"); ATTACH refuses any other.
 */
export async function shapeFreshDay(client: pg.PoolClient, d: FreshDay): Promise<void> {
  const { rows } = await client.query<{ name: string; not_null: boolean; default_sql: string | null }>(`
    select a.attname as name, a.attnotnull as not_null, pg_get_expr(ad.adbin, ad.adrelid) as default_sql
    from pg_attribute a left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
    where a.attrelid = 'govflow.masked_events'::regclass and a.attnum > 0 and not a.attisdropped
      and (a.attnotnull or ad.adbin is not null)
    order by a.attnum`);
  const { start, end } = dayBounds(d.day);
  const L = (s: string) => client.escapeLiteral(s);
  const I = (s: string) => client.escapeIdentifier(s);
  const actions = rows.flatMap((c) => [
    ...(c.not_null ? [`alter column ${I(c.name)} set not null`] : []),
    ...(c.default_sql ? [`alter column ${I(c.name)} set default ${c.default_sql}`] : []),
  ]);
  actions.push(`add constraint ${d.fresh}_day check (occurred_hour >= ${L(start)}::timestamptz and occurred_hour < ${L(end)}::timestamptz)`);
  await client.query(`alter table govflow.${d.fresh} ${actions.join(', ')}`);
}

/** The columns of masked_events that govflow's own queries join or filter on, analysed with each fresh day. */
const PLANNED_COLUMNS = ['source', 'event_id', 'occurred_hour', 'subject_key', 'principal_key'];

/** Step 4: the indexes masked_events' partitions carry, built once over the filled table, and its statistics. */
export async function indexFreshDay(client: pg.PoolClient, d: FreshDay): Promise<void> {
  await client.query(`alter table govflow.${d.fresh} add constraint ${d.fresh}_pkey primary key (source, event_id, occurred_hour)`);
  await client.query(`create index ${d.fresh}_hour on govflow.${d.fresh} (occurred_hour)`);
  await client.query(`create index ${d.fresh}_subject on govflow.${d.fresh} (subject_key)`);
  // Statistics come with the day, as ingest's ANALYZE gives the raw day's (ingest/analyze-loaded.ts):
  // a fresh table has none until autovacuum gets to it, and the report's count over the day was
  // planned as a million index probes (1.3 s) instead of one hash join. Only the columns govflow's
  // own queries join and filter on (the report, retention, access requests, erasure): all sixteen
  // cost 0.38 s a day of 149k rows, these 0.16 s; autovacuum analyses the rest when it comes.
  await client.query(`analyze govflow.${d.fresh} (${PLANNED_COLUMNS.join(', ')})`);
}

/** Step 5: the fresh table takes the old partition's place, name and index names included. Run last before commit. */
export async function swapFreshDay(client: pg.PoolClient, d: FreshDay): Promise<void> {
  const { start, end } = dayBounds(d.day);
  const L = (s: string) => client.escapeLiteral(s);
  await client.query(`alter table govflow.masked_events detach partition govflow.${d.partition}`);
  await client.query(`drop table govflow.${d.partition}`);
  await client.query(`alter table govflow.${d.fresh} rename to ${d.partition}`);
  // Matching indexes become the partitions of masked_events' own: nothing is built here.
  await client.query(`alter table govflow.masked_events attach partition govflow.${d.partition}
    for values from (${L(start)}::timestamptz) to (${L(end)}::timestamptz)`);
  await client.query(`alter table govflow.${d.partition} drop constraint ${d.fresh}_day`);
  await client.query(`alter index govflow.${d.fresh}_pkey rename to ${d.partition}_pkey`);
  await client.query(`alter index govflow.${d.fresh}_hour rename to ${d.partition}_occurred_hour_idx`);
  await client.query(`alter index govflow.${d.fresh}_subject rename to ${d.partition}_subject_key_idx`);
}
