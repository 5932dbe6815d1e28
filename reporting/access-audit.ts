import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { RunRef } from '../workflow-safe/run-ref';
import { countOf, inWindow } from '../db/sql-window';
import { withPlanner } from '../db/planner';

// The access audit summary: who-did-what in aggregate. Counts by outcome, action, data category,
// purpose and region; the audit trail's admin actions; findings by rule and severity, read
// generically so new audit rules appear without a change here. Pseudonyms and counts only.

type Tally = Array<{ key: string; n: number }>;

export interface AccessAuditKpis {
  accessEvents: number;
  distinctPrincipals: number;
  distinctSubjects: number;
  byOutcome: Tally;
  byAction: Tally;
  byDataCategory: Tally;
  byPurpose: Tally;
  byRegion: Tally;
  auditTrail: { total: number; byActionOutcome: Array<{ action: string; outcome: string; n: number }> };
  findings: { total: number; byRuleSeverity: Array<{ rule: string; severity: string; n: number }> };
  topPrincipals: Array<{ principalKey: string; n: number }>;
}

const TOP = 10;

/** The columns the summary tallies, by the name the query gives each tally. */
const TALLIES = { byOutcome: 'outcome', byAction: 'action', byDataCategory: 'data_category', byPurpose: 'purpose', byRegion: 'region' } as const;

// The window's access events are read three times, all at once (a day of 1M rows each time): once
// for every tally and the total, once per distinct count. Every count is hashed, not sorted: the
// planner, without statistics on the partitioned parent (db/planner.ts), guessed a GROUP BY of the
// five columns at 100,000 groups and sorted a million rows to find 37 (1.9 s), and counted distinct
// subjects by sorting them (1.3 s). Eight scans (three at once, then five) took 2.3 s in all.
const HASHED = { enable_sort: 'off', jit: 'off' } as const;

export async function accessAuditKpis(db: Db, run: RunRef): Promise<AccessAuditKpis> {
  const w = run.window;
  // count(distinct x) without a sort: the distinct values (nulls among them as one) counted but the null.
  const distinct = (column: string) => withPlanner(db, HASHED, (trx) => countOf(
    sql<{ n: number }>`select count(v) as n from (
      select distinct ${sql.ref(column)} as v from govflow.access_events e where ${inWindow('e.occurred_at', w)}) d`,
    trx,
  ));
  // Each tally's TOP keys by count, then key (as `order by n desc, key limit TOP` per column would
  // rank them), from one pass that counts every combination of the tallied columns (a few dozen).
  const tallies = () => withPlanner(db, HASHED, (trx) => sql<{ tally: string; key: string | null; n: number }>`
    with combos as (
      select outcome, action, data_category, purpose, region, count(*) as n from govflow.access_events e
      where ${inWindow('e.occurred_at', w)} group by outcome, action, data_category, purpose, region
    ), tallied as (
      select 'total' as tally, null::text as key, coalesce(sum(n), 0) as n from combos
      union all select 'outcome', outcome, sum(n) from combos group by outcome
      union all select 'action', action, sum(n) from combos group by action
      union all select 'data_category', data_category, sum(n) from combos group by data_category
      union all select 'purpose', purpose, sum(n) from combos group by purpose
      union all select 'region', region, sum(n) from combos group by region
    )
    select tally, key, n::int as n from (
      select tally, key, n, row_number() over (partition by tally order by n desc, key) as rank from tallied
    ) t where rank <= ${TOP} order by tally, rank`.execute(trx));

  const [tallied, distinctPrincipals, distinctSubjects, trail, findings, top] = await Promise.all([
    tallies(),
    distinct('e.principal'),
    distinct('e.subject_id'),
    sql<{ action: string; outcome: string; n: number }>`
      select action, outcome, count(*)::int as n from govflow.audit_trail_events t
      where ${inWindow('t.occurred_at', w)} group by action, outcome order by n desc, action, outcome`.execute(db),
    sql<{ rule: string; severity: string; n: number }>`
      select rule, severity, count(*)::int as n from govflow.audit_findings f
      where ${inWindow('f.occurred_at', w)} group by rule, severity order by n desc, rule, severity`.execute(db),
    sql<{ principal_key: string; n: number }>`
      select principal_key, count(*)::int as n from govflow.audit_findings f
      where ${inWindow('f.occurred_at', w)} and principal_key is not null
      group by principal_key order by n desc, principal_key limit 5`.execute(db),
  ]);
  const tally = (name: string): Tally => tallied.rows.filter((r) => r.tally === name).map((r) => ({ key: r.key ?? '(none)', n: r.n }));
  const accessEvents = tallied.rows.find((r) => r.tally === 'total')?.n ?? 0;
  const sum = (rows: Array<{ n: number }>) => rows.reduce((s, r) => s + r.n, 0);
  return {
    accessEvents,
    distinctPrincipals,
    distinctSubjects,
    byOutcome: tally(TALLIES.byOutcome),
    byAction: tally(TALLIES.byAction),
    byDataCategory: tally(TALLIES.byDataCategory),
    byPurpose: tally(TALLIES.byPurpose),
    byRegion: tally(TALLIES.byRegion),
    auditTrail: { total: sum(trail.rows), byActionOutcome: trail.rows },
    findings: { total: sum(findings.rows), byRuleSeverity: findings.rows },
    topPrincipals: top.rows.map((r) => ({ principalKey: r.principal_key, n: r.n })),
  };
}
