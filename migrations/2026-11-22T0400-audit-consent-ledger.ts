import { sql, type Kysely } from 'kysely';

// Policy-driven audit and the as-of-time consent ledger:
// - access_events.justification: the ticket or reason an access cites (ABAC "justification present");
// - govflow.consent_at(): a person's consent for a purpose at any instant, straight from the ledger;
// - govflow.consent_changes(): each ledger entry of a window with the state it replaced;
// - consent_withdrawals: the window's refusals, for the mask step; erasure_requests: their queue;
// - consent_log_of() / consent_log: the consent management log of a window, per purpose, for the
//   reports (the function computes it, the consent step stores it per window).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.access_events add column justification text`.execute(db);

  // A GPC signal is a refusal whatever the record says (it is a "do not sell or share" header);
  // a TCF string's refusal arrives as granted = false like an explicit one.
  await sql`
    create function govflow.consent_effective(granted boolean, signal text) returns boolean
    language sql immutable parallel safe as $$
      select case when signal = 'gpc' then false else granted end
    $$`.execute(db);

  // The ledger's latest word at an instant: true granted, false refused or withdrawn, null never
  // asked. At equal instants a refusal wins over a grant: when in doubt, no consent.
  await sql`
    create function govflow.consent_at(subject text, purpose_id text, at timestamptz) returns boolean
    language sql stable parallel safe as $$
      select govflow.consent_effective(c.granted, c.signal)
      from govflow.consent_events c
      where c.subject_id = subject and c.purpose = purpose_id and c.occurred_at <= at
      order by c.occurred_at desc, govflow.consent_effective(c.granted, c.signal) asc, c.id desc
      limit 1
    $$`.execute(db);

  // Each ledger entry in [ws, we) next to the state it replaced, classified. The ordering is
  // consent_at's, read forwards, so "previous" is exactly what consent_at answered just before.
  await sql`
    create function govflow.consent_changes(ws timestamptz, we timestamptz)
    returns table (id bigint, source text, event_id text, subject_id text, purpose text, signal text,
                   occurred_at timestamptz, granted boolean, previous boolean, previous_signal text,
                   kind text, conflict boolean)
    language sql stable as $$
      with touched as (
        select distinct c.subject_id, c.purpose from govflow.consent_events c
        where c.occurred_at >= ws and c.occurred_at < we
      ), ledger as (
        select c.id, c.source, c.event_id, c.subject_id, c.purpose, c.signal, c.occurred_at,
               govflow.consent_effective(c.granted, c.signal) as granted
        from govflow.consent_events c join touched t using (subject_id, purpose)
        where c.occurred_at < we
      ), ordered as (
        select l.*, lag(l.granted) over w as previous, lag(l.signal) over w as previous_signal
        from ledger l
        window w as (partition by l.subject_id, l.purpose order by l.occurred_at, l.granted desc, l.id)
      )
      select o.id, o.source, o.event_id, o.subject_id, o.purpose, o.signal, o.occurred_at, o.granted,
             o.previous, o.previous_signal,
             case when o.previous is null then (case when o.granted then 'granted' else 'refused' end)
                  when o.previous = o.granted then 'reaffirmed'
                  when o.granted then 'regranted' else 'withdrawn' end,
             -- A browser or CMP signal contradicting the person's explicit choice, either way round.
             coalesce((o.signal in ('gpc', 'tcf') and not o.granted and o.previous and o.previous_signal = 'explicit')
                   or (o.signal = 'explicit' and o.granted and o.previous = false and o.previous_signal in ('gpc', 'tcf')), false)
      from ordered o
      where o.occurred_at >= ws
    $$`.execute(db);

  await sql`
    create table govflow.consent_withdrawals (
      source       text not null,
      event_id     text not null,
      subject_id   text not null,
      purpose      text not null,
      withdrawn_at timestamptz not null,
      signal       text not null,
      kind         text not null check (kind in ('withdrawn', 'refused')),
      workflow_id  text not null,
      recorded_at  timestamptz not null default now(),
      primary key (source, event_id)
    )`.execute(db);
  await sql`create index consent_withdrawals_subject on govflow.consent_withdrawals (subject_id, purpose, withdrawn_at)`.execute(db);
  await sql`create index consent_withdrawals_time on govflow.consent_withdrawals (withdrawn_at)`.execute(db);

  await sql`
    create table govflow.erasure_requests (
      id           bigserial primary key,
      subject_id   text not null,
      purpose      text,
      reason       text not null,
      requested_at timestamptz not null,
      source       text not null,
      event_id     text not null,
      status       text not null default 'pending' check (status in ('pending', 'in_progress', 'done', 'cancelled')),
      workflow_id  text not null,
      created_at   timestamptz not null default now(),
      unique (source, event_id)
    )`.execute(db);
  await sql`create index erasure_requests_pending on govflow.erasure_requests (status, requested_at)`.execute(db);

  // The consent management log of [ws, we), per purpose: the window's changes by kind, conflicts,
  // and everyone's status at the window's end. "Never asked" counts people the platform knows
  // (in the ledger, or accessed in the window) with no record for the purpose.
  await sql`
    create function govflow.consent_log_of(ws timestamptz, we timestamptz, purposes text[])
    returns table (purpose text, granted integer, refused integer, withdrawn integer, regranted integer, changed integer,
                   conflicts integer, status_granted integer, status_withdrawn integer, status_never_asked integer)
    language sql stable as $$
      with changes as (
        select c.purpose,
               count(*) filter (where c.kind = 'granted') as granted,
               count(*) filter (where c.kind = 'refused') as refused,
               count(*) filter (where c.kind = 'withdrawn') as withdrawn,
               count(*) filter (where c.kind = 'regranted') as regranted,
               count(*) filter (where c.conflict) as conflicts
        from govflow.consent_changes(ws, we) c group by c.purpose
      ), latest as (
        select distinct on (c.subject_id, c.purpose) c.purpose, govflow.consent_effective(c.granted, c.signal) as granted
        from govflow.consent_events c where c.occurred_at < we
        order by c.subject_id, c.purpose, c.occurred_at desc, govflow.consent_effective(c.granted, c.signal) asc, c.id desc
      ), status as (
        select l.purpose, count(*) filter (where l.granted) as granted, count(*) filter (where not l.granted) as withdrawn
        from latest l group by l.purpose
      ), people as (
        select count(*) as n from (
          select subject_id from govflow.consent_events where occurred_at < we
          union
          select subject_id from govflow.access_events where occurred_at >= ws and occurred_at < we and subject_id is not null
        ) known
      )
      select p.purpose,
             coalesce(c.granted, 0)::int, coalesce(c.refused, 0)::int, coalesce(c.withdrawn, 0)::int, coalesce(c.regranted, 0)::int,
             (coalesce(c.withdrawn, 0) + coalesce(c.regranted, 0))::int, coalesce(c.conflicts, 0)::int,
             coalesce(s.granted, 0)::int, coalesce(s.withdrawn, 0)::int,
             ((select n from people) - coalesce(s.granted, 0) - coalesce(s.withdrawn, 0))::int
      from unnest(purposes) with ordinality as p(purpose, ord)
      left join changes c on c.purpose = p.purpose
      left join status s on s.purpose = p.purpose
      order by p.ord
    $$`.execute(db);

  await sql`
    create table govflow.consent_log (
      window_start     timestamptz not null,
      window_end       timestamptz not null,
      purpose          text not null,
      granted          integer not null,
      refused          integer not null,
      withdrawn        integer not null,
      regranted        integer not null,
      changed          integer not null,
      conflicts        integer not null,
      status_granted   integer not null,
      status_withdrawn integer not null,
      status_never_asked integer not null,
      workflow_id      text not null,
      updated_at       timestamptz not null default now(),
      primary key (window_start, window_end, purpose)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.consent_log`.execute(db);
  await sql`drop function govflow.consent_log_of(timestamptz, timestamptz, text[])`.execute(db);
  await sql`drop table govflow.erasure_requests`.execute(db);
  await sql`drop table govflow.consent_withdrawals`.execute(db);
  await sql`drop function govflow.consent_changes(timestamptz, timestamptz)`.execute(db);
  await sql`drop function govflow.consent_at(text, text, timestamptz)`.execute(db);
  await sql`drop function govflow.consent_effective(boolean, text)`.execute(db);
  await sql`alter table govflow.access_events drop column justification`.execute(db);
}
