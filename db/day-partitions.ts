import { sql } from 'kysely';
import type { Db } from './pool';
import type { Window } from '../workflow-safe/window';

// What the tables partitioned by day (access_events by occurred_at, masked_events by
// occurred_hour; the migrations' govflow.ensure_*_partition) share: which days of a window have
// raw events, and the error two concurrent creators of the same day's partition get.

/**
 * The UTC days (YYYY-MM-DD) of a window that have a partition of access_events, in order: the
 * days that can hold its events (a window of years over a few days of data gives those days).
 */
export async function accessDays(db: Db, w: Window): Promise<string[]> {
  const { rows } = await sql<{ day: string }>`
    select to_char(d, 'YYYY-MM-DD') as day
    from generate_series(date_trunc('day', ${w.start}::timestamptz at time zone 'UTC'),
                         (${w.end}::timestamptz - interval '1 microsecond') at time zone 'UTC', interval '1 day') d
    where to_regclass(format('govflow.%I', 'access_events_' || to_char(d, 'YYYYMMDD'))) is not null
    order by d`.execute(db);
  return rows.map((r) => r.day);
}

/**
 * Whether an error is the loser's side of two creates of the same partition at once: the
 * partition then exists. PostgreSQL reports it as duplicate_table (42P07), as duplicate_object
 * (42710, 'type "…" already exists': the table's row type, seen when two regions' mask steps
 * made the same day), or as unique_violation (23505) on the catalog, depending on which catalog
 * row the two collide on first.
 */
export const isRacedCreate = (err: unknown) => ['42P07', '42710', '23505'].includes((err as { code?: string } | undefined)?.code ?? '');
