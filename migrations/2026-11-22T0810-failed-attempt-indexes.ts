import { sql, type Kysely } from 'kysely';

// The brute-force and success-after-failures rules look back over failed attempts (an hour, or
// fifteen minutes) on every run and every stream batch. Failures are a sliver of the traffic:
// partial indexes let those look-backs cost what the failures cost, not what the traffic costs.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index access_events_failed on govflow.access_events (occurred_at) where outcome in ('denied', 'failed')`.execute(db);
  await sql`create index audit_trail_failed on govflow.audit_trail_events (occurred_at) where outcome in ('denied', 'failed')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index govflow.audit_trail_failed`.execute(db);
  await sql`drop index govflow.access_events_failed`.execute(db);
}
