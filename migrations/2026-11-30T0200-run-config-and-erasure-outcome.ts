import { sql, type Kysely } from 'kysely';

// A run records which config and policy files it ran under (paths and sha256), not only the
// policy's hash: `govflow run --config X` can then be checked against what the worker used.
// An erasure receipt says what the request found: the person's data erased, or none held (an id
// govflow has never seen: a mistyped request must not read as fulfilled).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table govflow.runs
      add column policy_file text,
      add column config_file text,
      add column config_hash text`.execute(db);
  await sql`
    alter table govflow.erasure_receipts
      add column outcome text not null default 'erased' check (outcome in ('erased', 'no_data_held'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.erasure_receipts drop column outcome`.execute(db);
  await sql`alter table govflow.runs drop column policy_file, drop column config_file, drop column config_hash`.execute(db);
}
