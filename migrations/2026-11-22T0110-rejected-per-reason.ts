import { sql, type Kysely } from 'kysely';

// A line may hold several events (a CloudTrail {"Records": [...]} file is one line), each of which
// can be rejected for its own reason: the quarantine key includes the reason.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.rejected_records drop constraint rejected_records_source_file_position_key`.execute(db);
  await sql`alter table govflow.rejected_records add constraint rejected_records_line_reason_key unique (source, file, position, reason)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.rejected_records drop constraint rejected_records_line_reason_key`.execute(db);
  await sql`alter table govflow.rejected_records add constraint rejected_records_source_file_position_key unique (source, file, position)`.execute(db);
}
