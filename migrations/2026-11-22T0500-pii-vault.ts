import { sql, type Kysely } from 'kysely';

// The PII vault and the analytics side's boundary:
//  - subject_keys: one data key per person, stored wrapped under the vault key; deleting the
//    row is crypto-shredding (their vault entries and encrypted fields become unreadable);
//  - pii_vault: reversible tokens' values, sealed under their owner's key; pii_access_log:
//    every de-tokenisation, granted or not;
//  - masked_audit_trail: the analytics-safe copy of the system audit trail;
//  - subject_erasures / erasure_receipts: right-to-be-forgotten requests and their proof;
//  - govflow_analyst: a role that can read the masked tables and nothing else.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.masked_events add column user_agent text`.execute(db);
  await sql`create index masked_events_subject on govflow.masked_events (subject_key)`.execute(db);

  await sql`
    create table govflow.masked_audit_trail (
      source        text not null,
      event_id      text not null,
      occurred_hour timestamptz not null,
      actor_key     text,
      action        text not null,
      target        text,
      outcome       text not null,
      ip_prefix     text,
      region        text,
      key_id        text not null,
      workflow_id   text not null,
      masked_at     timestamptz not null default now(),
      primary key (source, event_id)
    )`.execute(db);
  await sql`create index masked_audit_trail_hour on govflow.masked_audit_trail (occurred_hour)`.execute(db);

  await sql`
    create table govflow.subject_keys (
      subject_ref text primary key,
      key_id      text not null,
      wrapped_key text not null,
      created_at  timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table govflow.pii_vault (
      token       text primary key,
      subject_ref text not null,
      kind        text not null,
      ciphertext  text not null,
      created_at  timestamptz not null default now()
    )`.execute(db);
  await sql`create index pii_vault_subject on govflow.pii_vault (subject_ref)`.execute(db);

  await sql`
    create table govflow.pii_access_log (
      id          bigserial primary key,
      token       text not null,
      subject_ref text,
      accessor    text not null,
      reason      text not null,
      outcome     text not null check (outcome in ('granted', 'shredded', 'unknown_token')),
      accessed_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table govflow.subject_erasures (
      id           bigserial primary key,
      subject_ref  text not null,
      -- The raw id, needed to find the person's raw rows; cleared when the erasure completes.
      subject_id   text,
      requested_by text not null,
      requested_at timestamptz not null default now(),
      status       text not null default 'pending' check (status in ('pending', 'completed')),
      completed_at timestamptz
    )`.execute(db);
  await sql`
    create table govflow.erasure_receipts (
      request_id   bigint primary key references govflow.subject_erasures,
      subject_ref  text not null,
      workflow_id  text not null,
      key_shredded boolean not null,
      deleted      jsonb not null,
      requested_at timestamptz not null,
      completed_at timestamptz not null default now()
    )`.execute(db);

  // Erased people stay erased: a source file read again (or a late export) must not bring their
  // rows back. The suppression list holds only a hash of the identifier. Its triggers are
  // installed by the first erasure (govflow.enable_erasure_suppression()), so ingest pays the
  // per-row check only once someone has been erased.
  await sql`
    create table govflow.erased_identifiers (
      id_hash    bytea primary key,
      request_id bigint not null references govflow.subject_erasures,
      erased_at  timestamptz not null default now()
    )`.execute(db);
  await sql`
    create function govflow.erased_id_hash(id text) returns bytea
    language sql immutable strict parallel safe as $$ select digest('govflow-erased:' || id, 'sha256') $$`.execute(db);
  await sql`
    create function govflow.is_erased(id text) returns boolean language sql stable parallel safe as $$
      select id is not null and exists (select 1 from govflow.erased_identifiers where id_hash = govflow.erased_id_hash(id))
    $$`.execute(db);
  // One trigger function per table: a row whose identifier is on the list is silently skipped.
  for (const [table, check] of [
    ['access_events', 'govflow.is_erased(new.subject_id) or govflow.is_erased(new.principal)'],
    ['consent_events', 'govflow.is_erased(new.subject_id)'],
    ['audit_trail_events', 'govflow.is_erased(new.actor)'],
  ] as const) {
    await sql`
      create function ${sql.raw(`govflow.${table}_skip_erased`)}() returns trigger language plpgsql as ${sql.lit(`
      begin
        if ${check} then return null; end if;
        return new;
      end`)}`.execute(db);
  }
  await sql`
    create function govflow.enable_erasure_suppression() returns void language plpgsql as $$
    begin
      if not exists (select 1 from pg_trigger where tgrelid = 'govflow.access_events'::regclass and tgname = 'access_events_skip_erased') then
        create trigger access_events_skip_erased before insert on govflow.access_events
          for each row execute function govflow.access_events_skip_erased();
      end if;
      if not exists (select 1 from pg_trigger where tgrelid = 'govflow.consent_events'::regclass and tgname = 'consent_events_skip_erased') then
        create trigger consent_events_skip_erased before insert on govflow.consent_events
          for each row execute function govflow.consent_events_skip_erased();
      end if;
      if not exists (select 1 from pg_trigger where tgrelid = 'govflow.audit_trail_events'::regclass and tgname = 'audit_trail_events_skip_erased') then
        create trigger audit_trail_events_skip_erased before insert on govflow.audit_trail_events
          for each row execute function govflow.audit_trail_events_skip_erased();
      end if;
    end $$`.execute(db);

  // Roles belong to the cluster, not the database: create it once, tolerate a concurrent creator.
  await sql`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'govflow_analyst') then
        create role govflow_analyst nologin;
      end if;
    exception when duplicate_object or unique_violation then null;
    end $$`.execute(db);
  await sql`grant usage on schema govflow to govflow_analyst`.execute(db);
  await sql`grant select on govflow.masked_events, govflow.masked_audit_trail to govflow_analyst`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`revoke all on govflow.masked_events, govflow.masked_audit_trail from govflow_analyst`.execute(db);
  await sql`revoke usage on schema govflow from govflow_analyst`.execute(db);
  // The role itself stays: other databases on the cluster may still grant to it.
  await sql`drop trigger if exists access_events_skip_erased on govflow.access_events`.execute(db);
  await sql`drop trigger if exists consent_events_skip_erased on govflow.consent_events`.execute(db);
  await sql`drop trigger if exists audit_trail_events_skip_erased on govflow.audit_trail_events`.execute(db);
  await sql`drop function govflow.enable_erasure_suppression(), govflow.access_events_skip_erased(), govflow.consent_events_skip_erased(),
    govflow.audit_trail_events_skip_erased(), govflow.is_erased(text), govflow.erased_id_hash(text)`.execute(db);
  await sql`drop table govflow.erased_identifiers, govflow.erasure_receipts, govflow.subject_erasures, govflow.pii_access_log, govflow.pii_vault, govflow.subject_keys, govflow.masked_audit_trail`.execute(db);
  await sql`drop index govflow.masked_events_subject`.execute(db);
  await sql`alter table govflow.masked_events drop column user_agent`.execute(db);
}
