import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/pool';
import type { Policy } from '../policy/policy';
import type { Window } from '../workflow-safe/window';
import { durationMs } from '../config/duration';
import { qualifyingFindings } from './alerts/alert-rules';
import { delivered, describeDelivery, type SourceDelivery } from '../ingest/source-delivery';
import {
  alertStatus, complianceVerdict, maskingCoverage, nextSteps, violationsBySeverity,
  type AlertPeople, type AlertSnapshot, type AlertStatus, type Masking, type NextStep, type Verdict, type ViolationsBySeverity,
} from './compliance-view';
import { CONSENT_VIOLATION_GUIDE, ruleGuide } from '../audit/rules';
import { analyticsConsentWithdrawn } from '../masking/mask-tables';
import { readDeliveries } from '../ingest/ingest-sources';
import { alertDedupeKey } from './alerts/raise-alert';
import type { RunRef } from '../workflow-safe/run-ref';
import { countOf, inWindow } from '../db/sql-window';
import { withPlanner } from '../db/planner';
import type { TrendPoint } from './trend';
import { COMPLIANCE_REPORT } from './report-kinds';
import { incidentsInWindow, topIncidentsInWindow, type IncidentView } from '../audit/incidents';
import { lateDataFound, reportRevision, type LateDataFound, type ReportRevision } from './late-data';
import { inventorySection, type InventorySection } from './sensitivity-inventory';


// The figures a compliance report is made of, read from Postgres for one window, and what a DPO
// reads first (reporting/compliance-view.ts): the verdict, violations by severity as the alert counts
// them, the alert's status and owner, what each source delivered, what to do next. Aggregates,
// pseudonyms, configured names and paths only: this is what leaves the database in reports and
// emails.

export interface ComplianceKpis {
  verdict: Verdict;
  accessEvents: number;
  auditTrailEvents: number;
  consentEvents: number;
  /** What each configured source delivered to this run (empty when the run recorded none). */
  sources: Array<SourceDelivery & { ok: boolean; line: string }>;
  /** Lines quarantined when their file was first loaded by a run of this window (see QUARANTINE_SCOPE). */
  rejected: { total: number; scope: string; bySourceReason: Array<{ source: string; reason: string; n: number }> };
  findings: { total: number; byRule: Array<{ rule: string; name: string; action: string; severity: string; n: number }> };
  /** Findings and consent violations grouped into incidents (audit/incidents.ts): what a person handles. */
  incidents: { total: number; bucket: string; byRule: Array<{ rule: string; name: string; severity: string; n: number; findings: number }>; top: IncidentView[] };
  /** Late rows this run found for earlier windows, and the windows governed again because of them. */
  lateData: LateDataFound;
  /** Set when this run governed its window again because of late data: the report is revised. */
  revision: ReportRevision | null;
  violations: ViolationsBySeverity & { consentSeverity: string };
  topPrincipals: Array<{ principalKey: string; n: number }>;
  /** `uncertain`: accesses whose consent the signals' timestamps cannot settle (consent_time_uncertain), not counted in `total`. */
  consentViolations: { total: number; name: string; action: string; byPurpose: Array<{ purpose: string; reason: string; n: number }>; uncertain: number };
  masking: Masking;
  /** What the mask step's classifier found in free text in this window (reporting/sensitivity-inventory.ts). */
  inventory: InventorySection;
  /** Current consent per purpose (as of the report). */
  consentStatus: Array<{ purpose: string; granted: number; withdrawn: number }>;
  alert: AlertStatus;
  nextSteps: NextStep[];
}

/**
 * Which quarantined lines a window's report lists: those first quarantined by a run of this window
 * (any of its runs: a re-run under a new id still lists them). Files are loaded whole whatever the
 * window, so "seen by this run" would list the bad lines of every earlier window's files again.
 */
export const QUARANTINE_SCOPE = 'lines quarantined when their file was first loaded by a run of this window';

/** SQL condition on rejected_records (alias r): the lines a window's reports list. */
export function quarantinedForWindow(w: Window): RawBuilder<boolean> {
  return sql<boolean>`r.first_workflow_id in (select workflow_id from govflow.runs
    where window_start = ${w.start}::timestamptz and window_end = ${w.end}::timestamptz)`;
}

/** How many incidents a report lists one by one (the most severe, then the largest). */
const TOP_INCIDENTS = 10;

export async function complianceKpis(db: Db, run: RunRef, policy: Policy): Promise<ComplianceKpis> {
  const w = run.window;
  const count = (table: string, column: string) =>
    countOf(sql<{ n: number }>`select count(*) as n from ${sql.table(table)} as t where ${inWindow(`t.${column}`, w)}`, db);

  // Every figure is read on its own connection, all at once: none depends on another, and the
  // masked count (a hash join of two 1M-row days) is the longest by far — the others (a scan or an
  // index lookup each) run beside it. At 1M events one after another took 2.9–6 s, most of it the
  // masked count's nested loop.
  const [
    accessEvents, auditTrailEvents, consentEvents, rejected, findings, top, violations, uncertain, masked, excludedByConsent,
    inventoryRows, consentStatus, deliveries, alertRows, alertTask, incidents, topIncidents, lateData, revision,
  ] = await Promise.all([
    count('govflow.access_events', 'occurred_at'),
    count('govflow.audit_trail_events', 'occurred_at'),
    count('govflow.consent_events', 'occurred_at'),
    sql<{ source: string; reason: string; n: number }>`
      select source, reason, count(*)::int as n from govflow.rejected_records r
      where ${quarantinedForWindow(w)} group by source, reason order by n desc, source, reason`.execute(db),
    sql<{ rule: string; severity: string; n: number }>`
      select rule, severity, count(*)::int as n from govflow.audit_findings f
      where ${inWindow('f.occurred_at', w)} group by rule, severity order by n desc, rule`.execute(db),
    sql<{ principal_key: string; n: number }>`
      select principal_key, count(*)::int as n from govflow.audit_findings f
      where ${inWindow('f.occurred_at', w)} and principal_key is not null
      group by principal_key order by n desc, principal_key limit 5`.execute(db),
    sql<{ purpose: string; reason: string; n: number }>`
      select purpose, reason, count(*)::int as n from govflow.consent_violations v
      where ${inWindow('v.occurred_at', w)} group by purpose, reason order by n desc, purpose`.execute(db),
    countOf(
      sql<{ n: number }>`select count(*) as n from govflow.consent_time_uncertain u where ${inWindow('u.occurred_at', w)}`,
      db,
    ),
    maskedInWindow(db, w),
    countOf(
      sql<{ n: number }>`select count(*) as n from govflow.access_events e
        where ${inWindow('e.occurred_at', w)} and ${analyticsConsentWithdrawn('e.subject_id', policy.masking.analyticsPurpose)}`,
      db,
    ),
    // The window's own counts (the mask step rewrites them on a re-run): kinds, counts and times, never values.
    sql<{ source: string; field: string; kind: string; seen: number; handled: number; first_seen: Date; last_seen: Date }>`
      select source, field, kind, seen, handled, first_seen, last_seen from govflow.sensitivity_inventory
      where window_start = ${w.start}::timestamptz and window_end = ${w.end}::timestamptz`.execute(db).then((r) => r.rows),
    consentStateByPurpose(db),
    readDeliveries(db, run.workflowId),
    sql<{ id: string; severity: string; status: AlertSnapshot['status']; first_seen: Date; acknowledged_by: string | null; acknowledged_at: Date | null; escalated_at: Date | null }>`
      select id, severity, status, first_seen, acknowledged_by, acknowledged_at, escalated_at from govflow.alerts
      where dedupe_key = ${alertDedupeKey(w)}`.execute(db).then((r) => r.rows),
    sql<{ state: string }>`
      select state from govflow.task_runs where workflow_id = ${run.workflowId} and run_id = ${run.runId} and task = 'alert'`.execute(db).then((r) => r.rows),
    incidentsInWindow(db, w),
    topIncidentsInWindow(db, w, TOP_INCIDENTS),
    lateDataFound(db, run.workflowId),
    reportRevision(db, run),
  ]);

  const a = alertRows[0];
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const snapshot: AlertSnapshot | undefined = a && {
    id: Number(a.id), severity: a.severity, status: a.status, firstSeen: a.first_seen.toISOString(),
    acknowledgedBy: a.acknowledged_by, acknowledgedAt: iso(a.acknowledged_at), escalatedAt: iso(a.escalated_at),
  };

  const sum = (rows: Array<{ n: number }>) => rows.reduce((s, r) => s + r.n, 0);
  const cvTotal = sum(violations.rows);
  const qualifying = qualifyingFindings(policy.alerts, findings.rows, cvTotal);
  const bySeverity = violationsBySeverity(findings.rows, cvTotal, policy.alerts.consentViolations.severity, qualifying.total);
  const people: AlertPeople = {
    firstLine: policy.recipients.alerts.length ? policy.recipients.alerts : policy.recipients.compliance,
    escalation: policy.recipients.escalation,
    compliance: policy.recipients.compliance,
  };
  const alert = alertStatus(snapshot, people, policy.alerts.sla, durationMs, {
    alertTask: alertTask[0]?.state, qualifying: qualifying.total, minFindings: policy.alerts.minFindings, workflowId: run.workflowId,
  });

  return {
    verdict: complianceVerdict(bySeverity, deliveries, alert),
    accessEvents,
    auditTrailEvents,
    consentEvents,
    sources: deliveries.map((d) => ({ ...d, ok: delivered(d), line: describeDelivery(d) })),
    rejected: { total: sum(rejected.rows), scope: QUARANTINE_SCOPE, bySourceReason: rejected.rows },
    findings: { total: sum(findings.rows), byRule: findings.rows.map((f) => ({ ...f, name: ruleGuide(f.rule).name, action: ruleGuide(f.rule).action })) },
    incidents: {
      total: sum(incidents), bucket: policy.audit.incidents.bucket,
      byRule: incidents.map((i) => ({ ...i, name: ruleGuide(i.rule).name })), top: topIncidents,
    },
    lateData,
    revision: revision ?? null,
    violations: { ...bySeverity, consentSeverity: policy.alerts.consentViolations.severity },
    topPrincipals: top.rows.map((r) => ({ principalKey: r.principal_key, n: r.n })),
    consentViolations: { total: cvTotal, name: CONSENT_VIOLATION_GUIDE.name, action: CONSENT_VIOLATION_GUIDE.action, byPurpose: violations.rows, uncertain },
    masking: maskingCoverage(accessEvents, masked, excludedByConsent),
    inventory: inventorySection(inventoryRows.map((r) => ({
      source: r.source, field: r.field, kind: r.kind, seen: Number(r.seen), handled: Number(r.handled),
      firstSeen: r.first_seen.toISOString(), lastSeen: r.last_seen.toISOString(),
    }))),
    consentStatus,
    alert,
    nextSteps: nextSteps(bySeverity, deliveries, alert, people, policy.alerts.sla, w),
  };
}

/**
 * Masked rows of the window's access events: masked_events joined to access_events over the
 * window (a masked row lies in its event's hour, so the window's hours bound masked_events too
 * and only the window's day partitions are read, instead of every day kept: 1.5 s at 1M events).
 *
 * As one hash join: the partitioned parents carry no statistics (db/planner.ts), so the planner
 * took the join for 10M rows and chose a million index probes into masked_events' day, each an
 * index-only scan that still reads the heap (a day swapped in by the mask step has no visibility
 * map yet) — 1.3–2.4 s at 1M events; hashing one day and scanning the other took 1.0–1.4 s. Merge
 * joins are off too: sorting two million text keys to merge them took 7 s. JIT is off: the hash
 * join's estimate (~4e7 units) had it inline and optimise the plan first, 1.5 s per process.
 */
export async function maskedInWindow(db: Db, w: Window): Promise<number> {
  return withPlanner(db, { enable_nestloop: 'off', enable_mergejoin: 'off', jit: 'off' }, (trx) => countOf(
    sql<{ n: number }>`select count(*) as n from govflow.masked_events m
      join govflow.access_events e using (source, event_id)
      where ${inWindow('e.occurred_at', w)}
        and m.occurred_hour >= date_trunc('hour', ${w.start}::timestamptz at time zone 'UTC') at time zone 'UTC'
        and m.occurred_hour < ${w.end}::timestamptz`,
    trx,
  ));
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


/** Where consent stands now, per purpose: people who granted it, people who withdrew it. */
export async function consentStateByPurpose(db: Db): Promise<Array<{ purpose: string; granted: number; withdrawn: number }>> {
  const { rows } = await sql<{ purpose: string; granted: number; withdrawn: number }>`
    select purpose, count(*) filter (where granted)::int as granted, count(*) filter (where not granted)::int as withdrawn
    from govflow.consent_state group by purpose order by purpose`.execute(db);
  return rows;
}
