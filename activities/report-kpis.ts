import { sql } from 'kysely';
import type { Db } from '../lib/db';
import type { RunRef } from '../lib/run-ref';
import { countOf, inWindow } from './sql-window';
import type { TrendPoint } from '../lib/trend';
import { COMPLIANCE_REPORT } from '../lib/report-kinds';
import { consentStateByPurpose } from './report-consent-log';


// The figures a compliance report is made of, read from Postgres for one window. Aggregates and
// pseudonyms only: this is what leaves the database in reports and emails.

export interface ComplianceKpis {
  accessEvents: number;
  auditTrailEvents: number;
  consentEvents: number;
  rejected: { total: number; bySourceReason: Array<{ source: string; reason: string; n: number }> };
  findings: { total: number; byRule: Array<{ rule: string; severity: string; n: number }>; bySeverity: Record<string, number> };
  topPrincipals: Array<{ principalKey: string; n: number }>;
  consentViolations: { total: number; byPurpose: Array<{ purpose: string; reason: string; n: number }> };
  masking: { masked: number; eligible: number };
  /** Current consent per purpose (as of the report), with whether the policy requires it. */
  consentStatus: Array<{ purpose: string; granted: number; withdrawn: number }>;
}

export async function complianceKpis(db: Db, run: RunRef): Promise<ComplianceKpis> {
  const w = run.window;
  const count = (table: string, column: string) =>
    countOf(sql<{ n: number }>`select count(*) as n from ${sql.table(table)} as t where ${inWindow(`t.${column}`, w)}`, db);

  const [accessEvents, auditTrailEvents, consentEvents] = await Promise.all([
    count('govflow.access_events', 'occurred_at'),
    count('govflow.audit_trail_events', 'occurred_at'),
    count('govflow.consent_events', 'occurred_at'),
  ]);

  const rejected = await sql<{ source: string; reason: string; n: number }>`
    select source, reason, count(*)::int as n from govflow.rejected_records
    where last_workflow_id = ${run.workflowId} group by source, reason order by n desc, source, reason`.execute(db);

  const findings = await sql<{ rule: string; severity: string; n: number }>`
    select rule, severity, count(*)::int as n from govflow.audit_findings f
    where ${inWindow('f.occurred_at', w)} group by rule, severity order by n desc, rule`.execute(db);
  const bySeverity: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings.rows) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + f.n;

  const top = await sql<{ principal_key: string; n: number }>`
    select principal_key, count(*)::int as n from govflow.audit_findings f
    where ${inWindow('f.occurred_at', w)} and principal_key is not null
    group by principal_key order by n desc, principal_key limit 5`.execute(db);

  const violations = await sql<{ purpose: string; reason: string; n: number }>`
    select purpose, reason, count(*)::int as n from govflow.consent_violations v
    where ${inWindow('v.occurred_at', w)} group by purpose, reason order by n desc, purpose`.execute(db);

  const masked = await countOf(
    sql<{ n: number }>`select count(*) as n from govflow.masked_events m
      join govflow.access_events e using (source, event_id) where ${inWindow('e.occurred_at', w)}`,
    db,
  );

  const consentStatus = await consentStateByPurpose(db);

  const sum = (rows: Array<{ n: number }>) => rows.reduce((s, r) => s + r.n, 0);
  return {
    accessEvents,
    auditTrailEvents,
    consentEvents,
    rejected: { total: sum(rejected.rows), bySourceReason: rejected.rows },
    findings: { total: sum(findings.rows), byRule: findings.rows, bySeverity },
    topPrincipals: top.rows.map((r) => ({ principalKey: r.principal_key, n: r.n })),
    consentViolations: { total: sum(violations.rows), byPurpose: violations.rows },
    masking: { masked, eligible: accessEvents },
    consentStatus,
  };
}

/** The compliance figures of the runs before this window, oldest first, for the trend chart. */
export async function previousComplianceFigures(db: Db, run: RunRef, limit: number): Promise<TrendPoint[]> {
  const { rows } = await sql<{ window_start: Date; window_end: Date; findings: number; violations: number; rejected: number }>`
    select window_start, window_end,
           coalesce((kpis #>> '{findings,total}')::int, 0) as findings,
           coalesce((kpis #>> '{consentViolations,total}')::int, 0) as violations,
           coalesce((kpis #>> '{rejected,total}')::int, 0) as rejected
    from govflow.reports
    where kind = ${COMPLIANCE_REPORT} and window_end <= ${run.window.start}::timestamptz
    order by window_start desc limit ${limit}`.execute(db);
  return rows.reverse().map((r) => ({
    windowStart: r.window_start.toISOString(),
    windowEnd: r.window_end.toISOString(),
    findings: r.findings,
    violations: r.violations,
    rejected: r.rejected,
    current: false,
  }));
}
