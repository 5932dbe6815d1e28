import { sql, type Kysely } from 'kysely';

// Every time a window's findings raise or update an alert, when, over which span and how many
// qualifying findings: the alert row is what the governance team is notified of (once), this is
// its history. A stream groups its batches into one alert per clock hour, and a regulator asking
// "when did you know" needs each batch's moment, not just the first and the last.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.alert_occurrences (
      alert_id     bigint not null references govflow.alerts (id) on delete cascade,
      at           timestamptz not null default clock_timestamp(),
      window_start timestamptz not null,
      window_end   timestamptz not null,
      findings     integer not null,
      workflow_id  text not null
    )`.execute(db);
  await sql`create index alert_occurrences_alert on govflow.alert_occurrences (alert_id, at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.alert_occurrences`.execute(db);
}
