import { sql, type Kysely } from 'kysely';

// masked_events partitioned by day of occurred_hour, as access_events is by occurred_at.
//
// Why: the mask step writes a window's rows in one statement, and at a million rows most of that
// write was keeping three indexes up to date row by row (bench/README.md, "Mask"). With a day of
// its own, the step writes a whole day into a fresh table without indexes, builds the indexes
// once, sorted, and swaps the table in for the day's partition (masking/day-partition.ts):
// 7.0 s against 3.5 s for the same million rows, measured on this machine.
//
// What changes for readers: nothing. The primary key gains occurred_hour (a partitioned table's
// unique keys must hold its partition key); occurred_hour is derived from the event's own time,
// so (source, event_id) still names one row, as in access_events. subject_key is compared
// bytewise (collate "C"): pseudonyms are hex, so no order or equality changes, and its B-tree
// is built in a third of the time of a hash index or a B-tree under the database's locale.
// Rows of days without a partition go to masked_events_default; a day's partition is made
// (and such rows moved into it) by govflow.ensure_masked_partition before the step writes it.

const COLUMNS = `source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
  purpose, outcome, ip_prefix, region, user_agent, key_id, workflow_id, masked_at`;

/** masked_events as it was (one table) or as it becomes (by day). */
function createMaskedEvents(byDay: boolean) {
  return sql.raw(`
    create table govflow.masked_events (
      source        text not null,
      event_id      text not null,
      occurred_hour timestamptz not null,
      principal_key text,
      subject_key   text${byDay ? ' collate "C"' : ''},
      action        text not null,
      resource      text,
      data_category text,
      purpose       text,
      outcome       text not null,
      ip_prefix     text,
      region        text,
      user_agent    text,
      key_id        text not null,
      workflow_id   text not null,
      masked_at     timestamptz not null default now(),
      primary key (source, event_id${byDay ? ', occurred_hour' : ''})
    )${byDay ? ' partition by range (occurred_hour)' : ''}`);
}

/** Renames masked_events and its indexes out of the way of the new one. */
async function setAside(db: Kysely<unknown>, name: string): Promise<void> {
  await sql.raw(`alter table govflow.masked_events rename to ${name}`).execute(db);
  for (const index of ['pkey', 'hour', 'subject']) await sql.raw(`alter index govflow.masked_events_${index} rename to ${name}_${index}`).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await setAside(db, 'masked_events_unpartitioned');
  await createMaskedEvents(true).execute(db);
  await sql`create table govflow.masked_events_default partition of govflow.masked_events default`.execute(db);
  await sql`create index masked_events_hour on govflow.masked_events (occurred_hour)`.execute(db);
  await sql`create index masked_events_subject on govflow.masked_events (subject_key)`.execute(db);

  // A day's partition, made once; rows of that day already in the default partition (written
  // before the partition existed) are moved into it, as PostgreSQL would refuse to create it.
  await sql`
    create function govflow.ensure_masked_partition(day date) returns text language plpgsql as $$
    declare
      name text := format('masked_events_%s', to_char(day, 'YYYYMMDD'));
    begin
      if to_regclass(format('govflow.%I', name)) is null then
        execute format('create table govflow.%I (like govflow.masked_events including defaults)', name);
        execute format(
          'with moved as (delete from govflow.masked_events_default where occurred_hour >= %L and occurred_hour < %L returning *)
           insert into govflow.%I select * from moved', day::timestamptz, (day + 1)::timestamptz, name);
        execute format('alter table govflow.masked_events attach partition govflow.%I for values from (%L) to (%L)',
          name, day::timestamptz, (day + 1)::timestamptz);
      end if;
      return name;
    end $$`.execute(db);

  await sql`
    select govflow.ensure_masked_partition(d::date)
    from (select distinct (occurred_hour at time zone 'UTC')::date as d from govflow.masked_events_unpartitioned) days`.execute(db);
  await sql.raw(`insert into govflow.masked_events (${COLUMNS}) select ${COLUMNS} from govflow.masked_events_unpartitioned`).execute(db);
  await sql`drop table govflow.masked_events_unpartitioned`.execute(db);
  await sql`grant select on govflow.masked_events to govflow_analyst`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setAside(db, 'masked_events_by_day');
  await createMaskedEvents(false).execute(db);
  await sql.raw(`insert into govflow.masked_events (${COLUMNS}) select ${COLUMNS} from govflow.masked_events_by_day`).execute(db);
  await sql`create index masked_events_hour on govflow.masked_events (occurred_hour)`.execute(db);
  await sql`create index masked_events_subject on govflow.masked_events using hash (subject_key)`.execute(db);
  await sql`drop table govflow.masked_events_by_day`.execute(db);
  await sql`drop function govflow.ensure_masked_partition(date)`.execute(db);
  await sql`grant select on govflow.masked_events to govflow_analyst`.execute(db);
}
