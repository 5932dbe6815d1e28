import { sql } from 'kysely';
import type { ActivityDeps } from '../../config/deps';
import type { RunRef } from '../../workflow-safe/run-ref';
import type { TaskResult } from '../../workflow-safe/dag';
import { qualifyingFindings, type Qualifying } from './alert-rules';
import type { Window } from '../../workflow-safe/window';
import { inWindow } from '../../db/sql-window';
import type { Db } from '../../db/pool';
import type { AlertsPolicy } from '../../policy/alerts';
import { CONSENT_INCIDENT_RULE, incidentsInWindow } from '../../audit/incidents';

// alert: one non-compliance alert per window (or per alert span, for a stream's batches) when the
// findings the policy's alert rules select (per-rule switches and severity thresholds) reach its
// threshold. The dedupe key is the span, so a re-run or a later batch updates the open alert
// (occurrences, figures over the span so far) instead of raising and sending a second one; each
// raise or update is recorded in alert_occurrences. Its title and summary give the incidents the
// findings form (audit/incidents.ts), what a person handles, beside the findings. Notifying and escalating is the
// alertEscalation workflow's job.

/** The dedupe key of the non-compliance alert of a window (or a stream's alert span). */
export const alertDedupeKey = (span: Window): string => `noncompliance:${span.start}/${span.end}`;

/**
 * The window's findings that count towards its alert, by the policy's alert rules (the compliance
 * report counts them with the same qualifyingFindings, so their figures agree).
 */
async function qualifyingInWindow(db: Db, rules: AlertsPolicy, window: Window): Promise<Qualifying> {
  const { rows: findings } = await sql<{ rule: string; severity: string; n: number }>`
    select rule, severity, count(*)::int as n from govflow.audit_findings f
    where ${inWindow('f.occurred_at', window)} group by rule, severity`.execute(db);
  const { rows: cv } = await sql<{ n: number }>`
    select count(*)::int as n from govflow.consent_violations v where ${inWindow('v.occurred_at', window)}`.execute(db);
  return qualifyingFindings(rules, findings, cv[0]?.n ?? 0);
}

/**
 * The incidents those findings form (audit/incidents.ts), by the same alert rules: what a person
 * handles. An incident counts in every window one of its findings occurred in.
 */
async function qualifyingIncidents(db: Db, rules: AlertsPolicy, window: Window): Promise<Qualifying> {
  const rows = await incidentsInWindow(db, window);
  const consent = rows.filter((r) => r.rule === CONSENT_INCIDENT_RULE).reduce((s, r) => s + r.n, 0);
  return qualifyingFindings(rules, rows.filter((r) => r.rule !== CONSENT_INCIDENT_RULE), consent);
}

/** The alert step over one run's window (activities/alert.ts is its Temporal-facing shell). */
export function alertRaiser({ db, config }: ActivityDeps) {
  const rules = config.policy.policy.alerts;

  // Read generically, by rule and severity: new audit rules need no change here.
  const qualifying = (window: Window): Promise<Qualifying> => qualifyingInWindow(db, rules, window);

  return {
    async alert(run: RunRef): Promise<TaskResult> {
      const here = await qualifying(run.window);
      if (here.total < rules.minFindings) return { counts: { alertsRaised: 0, alertsUpdated: 0, qualifying: here.total } };

      // The alert describes its whole span so far: a quiet batch must not downgrade a critical hour.
      const span = run.alertSpan ?? run.window;
      const sofar = run.alertSpan ? await qualifying({ start: span.start, end: run.window.end > span.end ? run.window.end : span.end }) : here;
      const dedupeKey = alertDedupeKey(span);
      const incidents = await qualifyingIncidents(db, rules, { start: span.start, end: run.window.end > span.end ? run.window.end : span.end });
      const title = `${sofar.total} non-compliance finding(s) in ${incidents.total} incident(s), ${span.start} – ${span.end}`;
      const summary = `Incidents: ${incidents.summary}. Findings: ${sofar.summary}`;
      const result = await sql<{ id: string; inserted: boolean }>`
        insert into govflow.alerts (dedupe_key, severity, title, summary, window_start, window_end, workflow_id)
        values (${dedupeKey}, ${sofar.worst}, ${title}, ${summary}, ${span.start}::timestamptz, ${span.end}::timestamptz, ${run.workflowId})
        on conflict (dedupe_key) do update
          set severity = excluded.severity, title = excluded.title, summary = excluded.summary,
              workflow_id = excluded.workflow_id, occurrences = govflow.alerts.occurrences + 1, last_seen = now()
        returning id, (xmax = 0) as inserted`.execute(db);
      const row = result.rows[0]!;
      await sql`
        insert into govflow.alert_occurrences (alert_id, window_start, window_end, findings, workflow_id)
        values (${row.id}, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, ${here.total}, ${run.workflowId})`.execute(db);
      return { counts: { alertsRaised: row.inserted ? 1 : 0, alertsUpdated: row.inserted ? 0 : 1, qualifying: here.total } };
    },
  };
}
