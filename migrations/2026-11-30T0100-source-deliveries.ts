import { sql, type Kysely } from 'kysely';

// What each configured source delivered to a run (ingest/source-delivery.ts): files, records,
// rejected, or why it delivered nothing (missing, not a file, matched nothing, unreadable). The
// ingest step writes it, the compliance report reads it: a window whose source delivered nothing
// must read as incomplete, not clean. Keyed by workflow id, so a replay or reset of the run
// replaces its rows; paths come from the configuration, never from records.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.source_deliveries (
      workflow_id text not null,
      source      text not null,
      position    integer not null,
      state       text not null,
      delivery    jsonb not null,
      recorded_at timestamptz not null default now(),
      primary key (workflow_id, source)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.source_deliveries`.execute(db);
}
