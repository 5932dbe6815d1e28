import { sql, type Kysely } from 'kysely';

// Email and webhook deliveries, recorded so each is made once: a retry, a restarted worker or a
// replayed run finds the record and does not send again. And the alert lifecycle the escalation
// workflow drives: who acknowledged, when it was escalated.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.deliveries (
      -- The idempotency key: the email's Message-ID, or a webhook's equivalent.
      delivery_key text primary key,
      channel      text not null check (channel in ('email', 'webhook')),
      purpose      text not null,
      reference    text not null,
      recipients   text[] not null default '{}',
      status       text not null check (status in ('sending', 'sent')),
      response     text,
      created_at   timestamptz not null default now(),
      sent_at      timestamptz
    )`.execute(db);
  await sql`create index deliveries_reference on govflow.deliveries (reference)`.execute(db);

  await sql`
    alter table govflow.alerts
      add column acknowledged_at timestamptz,
      add column acknowledged_by text,
      add column escalated_at timestamptz,
      -- Names the alert's escalation workflow: unique across databases sharing a Temporal namespace.
      add column uid uuid not null default gen_random_uuid()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.alerts drop column acknowledged_at, drop column acknowledged_by, drop column escalated_at, drop column uid`.execute(db);
  await sql`drop table govflow.deliveries`.execute(db);
}
