import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { SEVERITIES, severityRank, type Severity } from '../lib/policy';
import { inWindow } from './sql-window';

// alert: one non-compliance alert per window when findings at or above the policy's severity
// reach its threshold. The dedupe key is the window, so a re-run updates the open alert instead
// of raising a second one.

export function alertActivities({ db, config }: ActivityDeps) {
  const { minSeverity, minFindings } = config.policy.policy.alerts;
  const eligible = SEVERITIES.filter((s) => severityRank(s) >= severityRank(minSeverity));

  return {
    async alert(run: RunRef): Promise<TaskResult> {
      const { rows } = await sql<{ severity: Severity; n: number }>`
        select severity, count(*)::int as n from govflow.audit_findings f
        where ${inWindow('f.occurred_at', run.window)} and severity = any(${eligible}::text[])
        group by severity`.execute(db);
      const findings = rows.reduce((s, r) => s + r.n, 0);
      const { rows: cv } = await sql<{ n: number }>`
        select count(*)::int as n from govflow.consent_violations v where ${inWindow('v.occurred_at', run.window)}`.execute(db);
      const violations = cv[0]?.n ?? 0;
      // Processing without consent is a breach in its own right: it counts as high severity.
      const total = findings + violations;
      if (total < minFindings) return { counts: { alertsRaised: 0, alertsUpdated: 0, qualifying: total } };

      const worst = rows
        .map((r) => r.severity)
        .concat(violations > 0 ? ['high'] : [])
        .reduce<Severity>((a, b) => (severityRank(b) > severityRank(a) ? b : a), 'low');
      const dedupeKey = `noncompliance:${run.window.start}/${run.window.end}`;
      const title = `${total} non-compliance finding(s) in ${run.window.start} – ${run.window.end}`;
      const summary = `${findings} audit finding(s) at ${minSeverity} or above and ${violations} consent violation(s).`;
      const result = await sql<{ inserted: boolean }>`
        insert into govflow.alerts (dedupe_key, severity, title, summary, window_start, window_end, workflow_id)
        values (${dedupeKey}, ${worst}, ${title}, ${summary}, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, ${run.workflowId})
        on conflict (dedupe_key) do update
          set severity = excluded.severity, title = excluded.title, summary = excluded.summary,
              workflow_id = excluded.workflow_id, occurrences = govflow.alerts.occurrences + 1, last_seen = now()
        returning (xmax = 0) as inserted`.execute(db);
      const inserted = result.rows[0]?.inserted === true;
      return { counts: { alertsRaised: inserted ? 1 : 0, alertsUpdated: inserted ? 0 : 1, qualifying: total } };
    },
  };
}
