import { sql, type Kysely } from 'kysely';

// Late data. Every raw row already records when it arrived (ingested_at, default now() of the
// loading transaction, filled by COPY at no cost). A governance run compares that with when each
// earlier window was last governed (its audit step's start) and re-governs the windows that
// received rows since (ingest/late-windows.ts). regoverned_windows records what was
// re-governed, why, what arrived late, which run found it and which run revised it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.regoverned_windows (
      id                   bigserial primary key,
      window_start         timestamptz not null,
      window_end           timestamptz not null,
      reason               text not null check (reason in ('late-data')),
      late_access_events   integer not null default 0,
      late_audit_events    integer not null default 0,
      late_consent_events  integer not null default 0,
      governed_at          timestamptz not null,
      detected_by          text not null,
      revision_workflow_id text not null,
      detected_at          timestamptz not null default now(),
      unique (detected_by, window_start, window_end)
    )`.execute(db);
  await sql`create index regoverned_windows_window on govflow.regoverned_windows (window_start, window_end)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.regoverned_windows`.execute(db);
}
