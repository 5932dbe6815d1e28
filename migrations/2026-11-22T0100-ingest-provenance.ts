import { sql, type Kysely } from 'kysely';

// What real sources carry beyond the skeleton's JSONL: the region an audit-trail action came
// from, which kind of signal a consent record is (an explicit choice, a GPC header, a TCF string),
// and a manifest so each source file is ingested exactly once, whatever its name.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.audit_trail_events add column region text`.execute(db);
  await sql`
    alter table govflow.consent_events add column signal text not null default 'explicit'
      check (signal in ('explicit', 'gpc', 'tcf', 'import'))`.execute(db);

  await sql`
    create table govflow.ingested_files (
      content_hash text not null,
      source       text not null,
      path         text not null,
      bytes        bigint not null,
      records      bigint not null default 0,
      rejected     bigint not null default 0,
      -- Resumable progress: the byte offset and record position committed so far.
      committed_offset   bigint not null default 0,
      committed_position bigint not null default 0,
      status       text not null default 'loading' check (status in ('loading', 'done', 'failed')),
      error        text,
      workflow_id  text not null,
      started_at   timestamptz not null default now(),
      finished_at  timestamptz,
      primary key (source, content_hash)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.ingested_files`.execute(db);
  await sql`alter table govflow.consent_events drop column signal`.execute(db);
  await sql`alter table govflow.audit_trail_events drop column region`.execute(db);
}
