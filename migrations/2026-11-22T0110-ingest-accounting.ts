import { sql, type Kysely } from 'kysely';

// A line may hold several events (a CloudTrail {"Records": [...]} file is one line), each of which
// can be rejected for its own reason: the quarantine key includes the reason. And the manifest
// counts records whose event id was already known (CloudTrail delivers some events twice; the
// same Kubernetes event is often captured in two files), so every record is accounted for.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.rejected_records drop constraint rejected_records_source_file_position_key`.execute(db);
  await sql`alter table govflow.rejected_records add constraint rejected_records_line_reason_key unique (source, file, position, reason)`.execute(db);
  await sql`alter table govflow.ingested_files add column duplicates bigint not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.ingested_files drop column duplicates`.execute(db);
  await sql`alter table govflow.rejected_records drop constraint rejected_records_line_reason_key`.execute(db);
  await sql`alter table govflow.rejected_records add constraint rejected_records_source_file_position_key unique (source, file, position)`.execute(db);
}
