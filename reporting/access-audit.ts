import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { RunRef } from '../workflow-safe/run-ref';
import { countOf, inWindow } from '../db/sql-window';

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

export async function accessAuditKpis(db: Db, run: RunRef): Promise<AccessAuditKpis> {
  const w = run.window;
  const tally = async (column: string): Promise<Tally> => {
    const { rows } = await sql<{ key: string | null; n: number }>`
      select ${sql.ref(column)} as key, count(*)::int as n from govflow.access_events e
      where ${inWindow('e.occurred_at', w)} group by 1 order by n desc, 1 limit ${TOP}`.execute(db);
    return rows.map((r) => ({ key: r.key ?? '(none)', n: r.n }));
  };
  const [accessEvents, distinctPrincipals, distinctSubjects] = await Promise.all([
    countOf(sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, db),
    countOf(sql<{ n: number }>`select count(distinct principal) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, db),
    countOf(sql<{ n: number }>`select count(distinct subject_id) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, db),
  ]);
  const [byOutcome, byAction, byDataCategory, byPurpose, byRegion] = await Promise.all(
    ['e.outcome', 'e.action', 'e.data_category', 'e.purpose', 'e.region'].map(tally),
  );
  const trail = await sql<{ action: string; outcome: string; n: number }>`
    select action, outcome, count(*)::int as n from govflow.audit_trail_events t
    where ${inWindow('t.occurred_at', w)} group by action, outcome order by n desc, action, outcome`.execute(db);
  const findings = await sql<{ rule: string; severity: string; n: number }>`
    select rule, severity, count(*)::int as n from govflow.audit_findings f
    where ${inWindow('f.occurred_at', w)} group by rule, severity order by n desc, rule, severity`.execute(db);
  const top = await sql<{ principal_key: string; n: number }>`
    select principal_key, count(*)::int as n from govflow.audit_findings f
    where ${inWindow('f.occurred_at', w)} and principal_key is not null
    group by principal_key order by n desc, principal_key limit 5`.execute(db);
  const sum = (rows: Array<{ n: number }>) => rows.reduce((s, r) => s + r.n, 0);
  return {
    accessEvents,
    distinctPrincipals,
    distinctSubjects,
    byOutcome: byOutcome!,
    byAction: byAction!,
    byDataCategory: byDataCategory!,
    byPurpose: byPurpose!,
    byRegion: byRegion!,
    auditTrail: { total: sum(trail.rows), byActionOutcome: trail.rows },
    findings: { total: sum(findings.rows), byRuleSeverity: findings.rows },
    topPrincipals: top.rows.map((r) => ({ principalKey: r.principal_key, n: r.n })),
  };
}
