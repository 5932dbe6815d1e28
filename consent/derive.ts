import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import { withPlanner, type PlannerSettings } from '../db/planner';
import type { ScopedRun } from '../workflow-safe/source-scope';
import { sourceInScope } from '../db/sql-scope';
import type { TaskResult } from '../workflow-safe/dag';
import { countOf, inWindow } from '../db/sql-window';
import { grantedSpansCtes, inGrantedSpan } from './surely-granted';
import { CONSENT_INCIDENT_RULE, groupConsentIncidents, incidentBucketSeconds, incidentsInWindow } from '../audit/incidents';

// consent: the ledger (consent_events) is append-only and the only truth; everything here is
// derived from it through govflow.consent_at() and govflow.consent_changes() (migration T0400),
// which treat GPC signals and TCF refusals as withdrawals.
// 1. consent_state: the latest word per (person, purpose), a cache safe to recompute;
// 2. consent_violations: accesses whose purpose needed consent the person cannot have had then,
//    and consent_time_uncertain: those whose signals' timestamps are too coarse to tell;
// 3. consent_withdrawals + erasure_requests: the window's refusals, for mask and erasure;
// 4. consent_log: the window's consent management log per purpose, for the reports.
//
// Region-pinned (run.scope, workflow-safe/source-scope.ts): the scope's consent records refresh
// consent_state (a person's newer record from another scope is never overwritten: the latest
// word still wins, whichever scope runs last), its accesses are judged, its records' withdrawals
// and erasure requests queued, its violations grouped into its own incidents. What stays
// window-wide: the ledger a person's consent is judged from (govflow.consent_bounds_at reads every
// source's records of that person and purpose), and consent_log, one row per window and purpose,
// written by the scope on the run's own queue only. Both are listed as open in README ("Regions").

/**
 * The settings of the step's big statements, each run in a transaction of its own (db/planner.ts).
 * JIT off: the judging statement's plan costs over jit_optimize_above_cost, and LLVM spent more
 * compiling it (0.8 s of CPU at 1M events, 2.6 s on a loaded machine) than the plan saved on a
 * million rows. work_mem: with the default 4 MB, the latest word per person and purpose (300k
 * consent records), the accessed (person, purpose) pairs and consent_log_of's people spill
 * their sorts and hashes to temporary files.
 */
const BIG: PlannerSettings = { jit: 'off', work_mem: '64MB' };

/**
 * Waits for every one of `steps`, so that none is still writing when the activity fails and is
 * retried, then rethrows the first failure.
 */
async function settle(steps: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The consent step over one run's window (activities/consent.ts is its Temporal-facing shell). */
export function deriveConsent({ db, config, env }: ActivityDeps) {
  const key = env.pseudonymKey;
  const needConsent = config.policy.policy.purposes.filter((p) => p.requiresConsent).map((p) => p.id);
  const allPurposes = config.policy.policy.purposes.map((p) => p.id);
  const policy = config.policy.policy;

  return {
    async consent(run: ScopedRun): Promise<TaskResult> {
      const w = run.window;
      const { scope } = run;
      // A scoped refresh replaces a person's state only with a word at least as recent, or its own.
      const newestWins = scope
        ? sql`and (l.as_of >= s.as_of or exists (
            select 1 from govflow.consent_events o where o.id = s.event_ref and ${sourceInScope('o', scope)}))`
        : sql``;
      // An UPDATE of the rows whose word changed and a plain INSERT of the people and purposes
      // not there yet, rather than INSERT … ON CONFLICT DO UPDATE: that one inserts each of the
      // 300k rows speculatively and checks it against the key (twice the time of a plain INSERT
      // on a first run), and on a re-run looks up every row to find it unchanged. The table lock
      // (SHARE ROW EXCLUSIVE conflicts with itself) makes a concurrent refresh (another region's
      // step, or a retry) wait for this one's commit instead of inserting the same key meanwhile.
      // No nested loops: on a first run the planner takes consent_state for empty and would probe
      // it with a sequential scan per record, each reading the rows this INSERT has added so far
      // (minutes at 300k records). A hash or merge join reads the table once, before any insert.
      const refreshState = () => withPlanner(db, { ...BIG, enable_nestloop: 'off' }, async (tx) => {
        await sql`lock table govflow.consent_state in share row exclusive mode`.execute(tx);
        await sql`
          with latest as materialized (
            select distinct on (subject_id, purpose) subject_id, purpose, govflow.consent_effective(granted, signal) as granted,
                   occurred_at as as_of, id as event_ref
            from govflow.consent_events where ${sourceInScope('consent_events', scope)}
            order by subject_id, purpose, occurred_at desc, govflow.consent_effective(granted, signal) asc, id desc
          ), changed as (
            update govflow.consent_state s set granted = l.granted, as_of = l.as_of, event_ref = l.event_ref
            from latest l
            where s.subject_id = l.subject_id and s.purpose = l.purpose
              and (s.as_of, s.event_ref, s.granted) is distinct from (l.as_of, l.event_ref, l.granted) ${newestWins}
          )
          insert into govflow.consent_state (subject_id, purpose, granted, as_of, event_ref)
          select l.subject_id, l.purpose, l.granted, l.as_of, l.event_ref from latest l
          where not exists (select 1 from govflow.consent_state s where s.subject_id = l.subject_id and s.purpose = l.purpose)`.execute(tx);
      });

      // Judged against when the consent state was known (govflow.consent_bounds_at, migration
      // T1700): a violation only when consent cannot have held at the access, whatever instant in
      // its timestamp's precision each signal really happened at. Consent possibly but not surely
      // given (a grant stamped with the day, the access later that day) is neither compliant nor a
      // violation: recorded apart in consent_time_uncertain, with the grant's stamp and precision,
      // and not counted as a violation. One statement, so each access's bounds are computed once.
      // Accesses inside a span where a grant surely held are compliant without asking
      // consent_bounds_at (consent/surely-granted.ts): it judges only the rest.
      const judge = () => withPlanner(db, BIG, (tx) => sql`
        with accesses as (
          select e.source, e.event_id, e.occurred_at, e.subject_id, e.purpose
          from govflow.access_events e
          where ${inWindow('e.occurred_at', w)}
            and e.outcome = 'success' and e.subject_id is not null
            and e.purpose = any(${needConsent}::text[]) and ${sourceInScope('e', scope)}
        ), ${grantedSpansCtes(needConsent)}, judged as materialized (
          select a.source, a.event_id, a.occurred_at, a.subject_id, a.purpose, k.surely, k.possibly
          from accesses a
          cross join lateral govflow.consent_bounds_at(a.subject_id, a.purpose, a.occurred_at) k
          where not ${inGrantedSpan('a')} and k.surely is not true
        ), violations as (
          insert into govflow.consent_violations (source, event_id, occurred_at, subject_key, purpose, reason, workflow_id)
          select j.source, j.event_id, j.occurred_at, govflow.pseudonym(j.subject_id, ${key}), j.purpose,
                 -- A refusal is a withdrawal only if consent had been given before it (GDPR Art. 7(3)
                 -- withdraws a consent); a GPC header or a "no" at the first prompt is a refusal.
                 case when j.surely is null and j.possibly is null then 'never_granted'
                      when exists (select 1 from govflow.consent_events g
                                   where g.subject_id = j.subject_id and g.purpose = j.purpose and g.occurred_at <= j.occurred_at
                                     and govflow.consent_effective(g.granted, g.signal)) then 'withdrawn'
                      else 'refused' end, ${run.workflowId}
          from judged j where j.possibly is not true
          on conflict (source, event_id, purpose) do nothing
        )
        insert into govflow.consent_time_uncertain (source, event_id, occurred_at, subject_key, purpose, signal_at, signal_precision, workflow_id)
        select j.source, j.event_id, j.occurred_at, govflow.pseudonym(j.subject_id, ${key}), j.purpose,
               g.occurred_at, g.occurred_precision, ${run.workflowId}
        from judged j
        left join lateral (select c.occurred_at, c.occurred_precision from govflow.consent_events c
                           where c.subject_id = j.subject_id and c.purpose = j.purpose and c.occurred_at <= j.occurred_at
                             and govflow.consent_effective(c.granted, c.signal)
                           order by c.occurred_at desc, c.id desc limit 1) g on true
        where j.possibly is true
        on conflict (source, event_id, purpose) do nothing`.execute(tx));
      // One incident per person (pseudonym) and bucket, however many of their accesses lacked consent.
      const incidents = () => groupConsentIncidents(db, {
        window: w, bucketSeconds: incidentBucketSeconds(policy.audit), sample: policy.audit.incidents.sample,
        workflowId: run.workflowId, severity: policy.alerts.consentViolations.severity, scope,
      });

      const withdrawals = () => sql`
        insert into govflow.consent_withdrawals (source, event_id, subject_id, purpose, withdrawn_at, signal, kind, workflow_id)
        select c.source, c.event_id, c.subject_id, c.purpose, c.occurred_at, c.signal,
               c.kind, ${run.workflowId}
        from govflow.consent_changes(${w.start}::timestamptz, ${w.end}::timestamptz) c
        -- Changes of mind only: a GPC header repeated on every request is one withdrawal, not many.
        where c.kind in ('withdrawn', 'refused') and ${sourceInScope('c', scope)}
        on conflict (source, event_id) do nothing`.execute(db);

      // Withdrawing consent ends the lawful basis for that purpose's data (GDPR Art. 17(1)(b)):
      // queue its erasure. A refusal of something never granted is queued too: any data processed
      // for it was processed without consent.
      const erasures = () => sql`
        insert into govflow.erasure_requests (subject_id, purpose, reason, requested_at, source, event_id, workflow_id)
        select w.subject_id, w.purpose, 'consent ' || w.kind || ' (' || w.signal || ')', w.withdrawn_at, w.source, w.event_id, ${run.workflowId}
        from govflow.consent_withdrawals w
        where ${inWindow('w.withdrawn_at', w)} and w.purpose = any(${needConsent}::text[]) and ${sourceInScope('w', scope)}
        on conflict (source, event_id) do nothing`.execute(db);

      // One log per window: a region's scope leaves it to the scope on the run's own queue.
      const writesLog = !scope?.region;
      const consentLog = () => withPlanner(db, BIG, (tx) => sql`
        insert into govflow.consent_log (window_start, window_end, purpose, granted, refused, withdrawn, regranted, changed,
                                         conflicts, status_granted, status_withdrawn, status_never_asked, workflow_id)
        select ${w.start}::timestamptz, ${w.end}::timestamptz, l.*, ${run.workflowId}
        from govflow.consent_log_of(${w.start}::timestamptz, ${w.end}::timestamptz, ${allPurposes}::text[]) l
        on conflict (window_start, window_end, purpose) do update
          set granted = excluded.granted, refused = excluded.refused, withdrawn = excluded.withdrawn,
              regranted = excluded.regranted, changed = excluded.changed, conflicts = excluded.conflicts,
              status_granted = excluded.status_granted, status_withdrawn = excluded.status_withdrawn,
              status_never_asked = excluded.status_never_asked, workflow_id = excluded.workflow_id, updated_at = now()`.execute(tx));

      const countIn = (table: 'consent_violations' | 'consent_time_uncertain') => countOf(
        sql<{ n: number }>`select count(*) as n from ${sql.table(`govflow.${table}`)} v where ${inWindow('v.occurred_at', w)} and ${sourceInScope('v', scope)}`,
        db,
      );
      const none = { withdrawals: 0, conflicts: 0, changed: 0 };
      const logTotals = async () => {
        const { rows } = await sql<{ withdrawals: number; conflicts: number; changed: number }>`
          select coalesce(sum(withdrawn + refused), 0)::int as withdrawals, coalesce(sum(conflicts), 0)::int as conflicts,
                 coalesce(sum(changed), 0)::int as changed
          from govflow.consent_log where window_start = ${w.start}::timestamptz and window_end = ${w.end}::timestamptz`.execute(db);
        return rows[0] ?? none;
      };

      // Four chains side by side, each on a connection of its own: none reads what another writes
      // (consent_state; the violations and their incidents; the withdrawals and their erasure
      // requests, then the log, which reads the ledger only; the accesses checked), and on two
      // cores the state refresh, the judging and the log (each one backend on one core) overlap.
      const state = refreshState();
      const judged = (async () => {
        await judge();
        await incidents();
        const tallies = await incidentsInWindow(db, w, scope);
        return {
          violations: await countIn('consent_violations'),
          uncertain: await countIn('consent_time_uncertain'),
          incidents: tallies.filter((i) => i.rule === CONSENT_INCIDENT_RULE).reduce((s, i) => s + i.n, 0),
        };
      })();
      const logged = (async () => {
        await withdrawals();
        await erasures();
        if (!writesLog) return none;
        await consentLog();
        return logTotals();
      })();
      const checked = countOf(
        sql<{ n: number }>`select count(*) as n from govflow.access_events e
          where ${inWindow('e.occurred_at', w)} and e.purpose = any(${needConsent}::text[]) and ${sourceInScope('e', scope)}`,
        db,
      );
      await settle([state, judged, logged, checked]);
      const { violations, uncertain, incidents: incidentCount } = await judged;
      const log = await logged;
      return {
        counts: {
          consentViolations: violations,
          consentIncidents: incidentCount,
          consentTimeUncertain: uncertain,
          consentWithdrawals: log.withdrawals,
          consentChanges: log.changed,
          consentConflicts: log.conflicts,
          rowsIn: await checked,
          rowsOut: violations,
        },
      };
    },
  };
}
