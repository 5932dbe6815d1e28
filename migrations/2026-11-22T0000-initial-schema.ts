import { sql, type Kysely } from 'kysely';

// The data model of docs/architecture.md. Written as SQL, not the builder, because partitioning, checks and
// triggers read better to the DBA who will review them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pgcrypto`.execute(db);
  await sql`create schema if not exists govflow`.execute(db);
  // Twin of masking/pseudonym.ts, so masking stays set-based SQL and raw values never leave Postgres.
  await sql`
    create function govflow.pseudonym(value text, key text) returns text
    language sql immutable strict parallel safe as $$
      select 'p_' || left(encode(hmac(convert_to(value, 'UTF8'), convert_to(key, 'UTF8'), 'sha256'), 'hex'), 32)
    $$`.execute(db);
  await sql`
    create function govflow.ip_prefix(ip text) returns text
    language sql immutable strict parallel safe as $$
      select case family(ip::inet)
        when 4 then host(network(set_masklen(ip::inet, 24))) || '/24'
        else host(network(set_masklen(ip::inet, 48))) || '/48'
      end
    $$`.execute(db);

  await sql`
    create table govflow.runs (
      workflow_id  text not null,
      run_id       text not null,
      dag          text not null,
      window_start timestamptz not null,
      window_end   timestamptz not null,
      trigger      text not null,
      status       text not null check (status in ('running', 'completed', 'failed')),
      policy_hash  text not null,
      totals       jsonb not null default '{}',
      started_at   timestamptz not null default now(),
      finished_at  timestamptz,
      primary key (workflow_id, run_id)
    )`.execute(db);
  await sql`create index runs_window on govflow.runs (window_start, window_end)`.execute(db);

  await sql`
    create table govflow.task_runs (
      workflow_id text not null,
      run_id      text not null,
      task        text not null,
      state       text not null check (state in ('pending', 'running', 'success', 'failed', 'skipped', 'upstream_failed')),
      attempts    integer not null default 0,
      rows_in     bigint,
      rows_out    bigint,
      counts      jsonb not null default '{}',
      started_at  timestamptz,
      finished_at timestamptz,
      duration_ms integer,
      error       text,
      primary key (workflow_id, run_id, task),
      foreign key (workflow_id, run_id) references govflow.runs on delete cascade
    )`.execute(db);

  // Partitioned by day so retention is a partition drop, not a delete over billions of rows.
  // The partition key must be part of every unique key, hence occurred_at in the primary key;
  // it is derived from the record itself, so (source, event_id) alone still identifies an event.
  await sql`
    create table govflow.access_events (
      source        text not null,
      event_id      text not null,
      occurred_at   timestamptz not null,
      principal     text,
      subject_id    text,
      action        text not null,
      resource      text,
      data_category text,
      purpose       text,
      outcome       text not null check (outcome in ('success', 'denied', 'failed')),
      source_ip     text,
      region        text,
      user_agent    text,
      file          text,
      position      bigint,
      ingested_at   timestamptz not null default now(),
      primary key (source, event_id, occurred_at)
    ) partition by range (occurred_at)`.execute(db);
  await sql`create table govflow.access_events_default partition of govflow.access_events default`.execute(db);
  await sql`create index access_events_time on govflow.access_events (occurred_at)`.execute(db);

  // Daily partitions are created by ingest, before it inserts, for each day it is about to load.
  await sql`
    create function govflow.ensure_access_partition(day date) returns void language plpgsql as $$
    declare
      name text := format('access_events_%s', to_char(day, 'YYYYMMDD'));
    begin
      if to_regclass(format('govflow.%I', name)) is null then
        execute format(
          'create table if not exists govflow.%I partition of govflow.access_events for values from (%L) to (%L)',
          name, day::timestamptz, (day + 1)::timestamptz);
      end if;
    end $$`.execute(db);

  await sql`
    create table govflow.audit_trail_events (
      source      text not null,
      event_id    text not null,
      occurred_at timestamptz not null,
      actor       text,
      action      text not null,
      target      text,
      outcome     text not null check (outcome in ('success', 'denied', 'failed')),
      source_ip   text,
      details     jsonb not null default '{}',
      file        text,
      position    bigint,
      ingested_at timestamptz not null default now(),
      primary key (source, event_id)
    )`.execute(db);
  await sql`create index audit_trail_time on govflow.audit_trail_events (occurred_at)`.execute(db);

  await sql`
    create table govflow.consent_events (
      id          bigserial primary key,
      source      text not null,
      event_id    text not null,
      subject_id  text not null,
      purpose     text not null,
      granted     boolean not null,
      occurred_at timestamptz not null,
      evidence    text,
      file        text,
      position    bigint,
      ingested_at timestamptz not null default now(),
      unique (source, event_id)
    )`.execute(db);
  await sql`create index consent_events_lookup on govflow.consent_events (subject_id, purpose, occurred_at)`.execute(db);
  // The ledger is append-only: a change of mind is a new row, never an edit of an old one.
  // (Deletion stays possible: erasure of a person must be able to remove their rows.)
  await sql`
    create function govflow.consent_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'govflow.consent_events is append-only: record a new consent event instead';
    end $$`.execute(db);
  await sql`
    create trigger consent_events_no_update before update on govflow.consent_events
    for each row execute function govflow.consent_events_append_only()`.execute(db);

  await sql`
    create table govflow.consent_state (
      subject_id  text not null,
      purpose     text not null,
      granted     boolean not null,
      as_of       timestamptz not null,
      event_ref   bigint not null,
      primary key (subject_id, purpose)
    )`.execute(db);

  await sql`
    create table govflow.rejected_records (
      id          bigserial primary key,
      source      text not null,
      file        text not null,
      position    bigint not null,
      reason      text not null,
      raw         text,
      first_workflow_id text not null,
      last_workflow_id  text not null,
      created_at  timestamptz not null default now(),
      unique (source, file, position)
    )`.execute(db);

  await sql`
    create table govflow.audit_findings (
      id               bigserial primary key,
      dedupe_key       text not null unique,
      rule             text not null,
      severity         text not null check (severity in ('low', 'medium', 'high', 'critical')),
      description      text not null,
      occurred_at      timestamptz not null,
      principal_key    text,
      subject_key      text,
      evidence         jsonb not null default '[]',
      first_workflow_id text not null,
      last_workflow_id  text not null,
      created_at       timestamptz not null default now(),
      updated_at       timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_findings_time on govflow.audit_findings (occurred_at)`.execute(db);

  await sql`
    create table govflow.consent_violations (
      id            bigserial primary key,
      source        text not null,
      event_id      text not null,
      occurred_at   timestamptz not null,
      subject_key   text not null,
      purpose       text not null,
      reason        text not null check (reason in ('never_granted', 'withdrawn')),
      workflow_id   text not null,
      created_at    timestamptz not null default now(),
      unique (source, event_id, purpose)
    )`.execute(db);
  await sql`create index consent_violations_time on govflow.consent_violations (occurred_at)`.execute(db);

  await sql`
    create table govflow.masked_events (
      source        text not null,
      event_id      text not null,
      occurred_hour timestamptz not null,
      principal_key text,
      subject_key   text,
      action        text not null,
      resource      text,
      data_category text,
      purpose       text,
      outcome       text not null,
      ip_prefix     text,
      region        text,
      key_id        text not null,
      workflow_id   text not null,
      masked_at     timestamptz not null default now(),
      primary key (source, event_id)
    )`.execute(db);
  await sql`create index masked_events_hour on govflow.masked_events (occurred_hour)`.execute(db);

  await sql`
    create table govflow.reports (
      id           bigserial primary key,
      kind         text not null,
      window_start timestamptz not null,
      window_end   timestamptz not null,
      workflow_id  text not null,
      policy_hash  text not null,
      html         text not null,
      text         text not null,
      kpis         jsonb not null,
      created_at   timestamptz not null default now(),
      updated_at   timestamptz not null default now(),
      unique (kind, window_start, window_end)
    )`.execute(db);

  await sql`
    create table govflow.alerts (
      id           bigserial primary key,
      dedupe_key   text not null unique,
      severity     text not null check (severity in ('low', 'medium', 'high', 'critical')),
      title        text not null,
      summary      text not null,
      status       text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
      window_start timestamptz not null,
      window_end   timestamptz not null,
      workflow_id  text not null,
      occurrences  integer not null default 1,
      first_seen   timestamptz not null default now(),
      last_seen    timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema if exists govflow cascade`.execute(db);
}
