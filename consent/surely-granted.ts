import { sql, type RawBuilder } from 'kysely';

// Where consent surely held, for many accesses at once. govflow.consent_bounds_at (migration
// T1700) answers for one access with two index scans and sorts: 15 s for a million accesses,
// nearly all of which fall where a grant surely held. In its "surely" view each signal of a
// (person, purpose) rules from the instant it surely happened (its stamp plus consent_known_after)
// until the next signal's, in consent_bounds_at's own order (later first, a refusal wins a tie,
// then the later id); so an access inside the span of a grant is surely compliant, and only the
// others need the function. test/integration/consent-surely-granted.test.ts holds the two equal
// over random ledgers.

/**
 * CTEs `consent_signals` and `granted_spans` (subject_id, purpose, from_at, until_at: a granted
 * span [from_at, until_at), until_at null when open) for the (subject_id, purpose) pairs of a CTE
 * named `accesses` that the statement defines before them; only signals of `purposes` are read.
 */
export const grantedSpansCtes = (purposes: readonly string[]): RawBuilder<unknown> => sql`
  consent_signals as (
    select c.subject_id, c.purpose, c.id, govflow.consent_effective(c.granted, c.signal) as effective,
           c.occurred_at + govflow.consent_known_after(c.granted, c.signal, c.occurred_precision, true) as surely_at
    from govflow.consent_events c
    where c.purpose = any(${purposes}::text[])
      and exists (select 1 from accesses a where a.subject_id = c.subject_id and a.purpose = c.purpose)
  ), granted_spans as materialized (
    select subject_id, purpose, surely_at as from_at, until_at
    from (select s.*, lead(s.surely_at) over (partition by s.subject_id, s.purpose
                                              order by s.surely_at, s.effective desc, s.id) as until_at
          from consent_signals s) x
    where effective
  )`;

/** True when the access `alias` (subject_id, purpose, occurred_at) lies in a granted span. */
export const inGrantedSpan = (alias: string): RawBuilder<boolean> => sql<boolean>`exists (
  select 1 from granted_spans g
  where g.subject_id = ${sql.ref(`${alias}.subject_id`)} and g.purpose = ${sql.ref(`${alias}.purpose`)}
    and g.from_at <= ${sql.ref(`${alias}.occurred_at`)} and (g.until_at is null or ${sql.ref(`${alias}.occurred_at`)} < g.until_at))`;
