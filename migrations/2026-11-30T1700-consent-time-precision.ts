import { sql, type Kysely } from 'kysely';

// Consent judged at the instant it was known, with the evidence its timestamp really carries.
//
// consent_events.occurred_precision: the precision of occurred_at as the signal's format defines
// it (ingest/time-precision.ts): 'day' (a date, or a TCF string whose CMP writes day-level
// Created/LastUpdated), 'minute', 'second', 'decisecond' (TCF's epoch deciseconds), 'centisecond',
// 'millisecond', 'microsecond' (Postgres's own resolution: the default, so a row written without
// a precision keeps its face value). A signal stamped t with precision P happened somewhere in
// [t, t + P); its latest possible instant is t + P - 1 µs.
//
// govflow.consent_bounds_at(): what the ledger says of an instant, twice:
// - surely: grants count from their latest possible instant, refusals from their earliest
//   (the state that certainly held);
// - possibly: grants from their earliest, refusals from their latest (the most favourable state
//   the timestamps allow). A GPC refusal travels in the request header it belongs to, so it counts
//   from its own timestamp in both views.
// An access is compliant when consent surely held, a violation when it cannot have held, and
// between the two ('consent_time_uncertain') it is recorded in consent_time_uncertain, reported
// apart and not counted as a violation.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table govflow.consent_events add column occurred_precision text not null default 'microsecond'
      check (occurred_precision in ('day', 'minute', 'second', 'decisecond', 'centisecond', 'millisecond', 'microsecond'))`.execute(db);

  await sql`
    create function govflow.consent_precision(grain text) returns interval
    language sql immutable parallel safe as $$
      select case grain when 'day' then interval '1 day' when 'minute' then interval '1 minute' when 'second' then interval '1 second'
        when 'decisecond' then interval '100 milliseconds' when 'centisecond' then interval '10 milliseconds'
        when 'millisecond' then interval '1 millisecond' else interval '1 microsecond' end
    $$`.execute(db);

  // How long after its timestamp a signal counts in each view: 0 (its earliest possible instant)
  // or its precision less a microsecond (its latest possible instant).
  await sql`
    create function govflow.consent_known_after(granted boolean, signal text, grain text, surely boolean) returns interval
    language sql immutable parallel safe as $$
      select case when signal = 'gpc' then interval '0'
                  when govflow.consent_effective(granted, signal) = surely
                    then govflow.consent_precision(grain) - interval '1 microsecond'
                  else interval '0' end
    $$`.execute(db);

  // Same ordering as consent_at (migration T0400): latest first, a refusal wins a tie. A signal
  // counts no earlier than its stamp, so `occurred_at <= at` bounds the index scan.
  await sql`
    create function govflow.consent_bounds_at(subject text, purpose_id text, at timestamptz, out surely boolean, out possibly boolean)
    language sql stable parallel safe as $$
      select
        (select govflow.consent_effective(c.granted, c.signal) from govflow.consent_events c
         where c.subject_id = subject and c.purpose = purpose_id and c.occurred_at <= at
           and c.occurred_at + govflow.consent_known_after(c.granted, c.signal, c.occurred_precision, true) <= at
         order by c.occurred_at + govflow.consent_known_after(c.granted, c.signal, c.occurred_precision, true) desc,
                  govflow.consent_effective(c.granted, c.signal) asc, c.id desc
         limit 1),
        (select govflow.consent_effective(c.granted, c.signal) from govflow.consent_events c
         where c.subject_id = subject and c.purpose = purpose_id and c.occurred_at <= at
           and c.occurred_at + govflow.consent_known_after(c.granted, c.signal, c.occurred_precision, false) <= at
         order by c.occurred_at + govflow.consent_known_after(c.granted, c.signal, c.occurred_precision, false) desc,
                  govflow.consent_effective(c.granted, c.signal) asc, c.id desc
         limit 1)
    $$`.execute(db);

  await sql`
    create table govflow.consent_time_uncertain (
      id            bigserial primary key,
      source        text not null,
      event_id      text not null,
      occurred_at   timestamptz not null,
      subject_key   text not null,
      purpose       text not null,
      reason        text not null default 'consent_time_uncertain' check (reason = 'consent_time_uncertain'),
      -- the grant whose timestamp could not tell: when it was stamped and how precisely
      signal_at     timestamptz,
      signal_precision text,
      workflow_id   text not null,
      created_at    timestamptz not null default now(),
      unique (source, event_id, purpose)
    )`.execute(db);
  await sql`create index consent_time_uncertain_time on govflow.consent_time_uncertain (occurred_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.consent_time_uncertain`.execute(db);
  await sql`drop function govflow.consent_bounds_at(text, text, timestamptz)`.execute(db);
  await sql`drop function govflow.consent_known_after(boolean, text, text, boolean)`.execute(db);
  await sql`drop function govflow.consent_precision(text)`.execute(db);
  await sql`alter table govflow.consent_events drop column occurred_precision`.execute(db);
}
