import { sql, type Kysely } from 'kysely';

// Audit events that belong to one network connection (OpenSSH's: details.connection, see
// ingest/formats/sshd.ts) are looked up by it when the audit rules count attempts: a user lookup
// ("Invalid user x") counts only when its connection logged no failure of its own
// (audit/rules/attempts.ts). The index keeps that look-up a probe, not a scan.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_trail_connection on govflow.audit_trail_events (source, (details->>'connection'), occurred_at)
    where (details->>'connection') is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index govflow.audit_trail_connection`.execute(db);
}
