import { sql, type Kysely } from 'kysely';

// Retention (issue 16, item 1):
//  - retention_receipts: one row per retention run and table, what was purged (or, in a dry run,
//    what would be), up to which instant, under which policy, and how many rows a legal hold kept.
//    Written in the same transaction as each batch it counts, so a retried activity never counts twice.
//  - legal_holds: holds placed with `govflow retention hold` (the policy may list more). A
//    subject hold stores the raw identifier: this table is as sensitive as the raw tables.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.retention_receipts (
      id                 bigserial primary key,
      run_id             text not null,
      table_class        text not null,
      table_name         text not null,
      rows_removed       bigint not null default 0,
      partitions_removed integer not null default 0,
      rows_held          bigint not null default 0,
      cutoff             timestamptz not null,
      policy_hash        text not null,
      dry_run            boolean not null,
      at                 timestamptz not null default now(),
      unique (run_id, table_name)
    )`.execute(db);
  await sql`
    create table govflow.legal_holds (
      id          bigserial primary key,
      kind        text not null check (kind in ('subject', 'source')),
      value       text not null,
      reason      text not null,
      placed_by   text not null,
      placed_at   timestamptz not null default now(),
      released_at timestamptz
    )`.execute(db);
  await sql`create unique index legal_holds_active on govflow.legal_holds (kind, value) where released_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.legal_holds`.execute(db);
  await sql`drop table govflow.retention_receipts`.execute(db);
}
