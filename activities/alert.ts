import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { qualifyingFindings } from '../lib/alert-rules';
import { inWindow } from './sql-window';

// alert: one non-compliance alert per window when the findings the policy's alert rules select
// (per-rule switches and severity thresholds) reach its threshold. The dedupe key is the window,
// so a re-run updates the open alert (occurrences, figures) instead of raising and sending a
// second one; notifying and escalating is the alertEscalation workflow's job.

export function alertActivities({ db, config }: ActivityDeps) {
  const rules = config.policy.policy.alerts;

  return {
    async alert(run: RunRef): Promise<TaskResult> {
      // Read generically, by rule and severity: new audit rules need no change here.
      const { rows: findings } = await sql<{ rule: string; severity: string; n: number }>`
        select rule, severity, count(*)::int as n from govflow.audit_findings f
        where ${inWindow('f.occurred_at', run.window)} group by rule, severity`.execute(db);
      const { rows: cv } = await sql<{ n: number }>`
        select count(*)::int as n from govflow.consent_violations v where ${inWindow('v.occurred_at', run.window)}`.execute(db);
      const q = qualifyingFindings(rules, findings, cv[0]?.n ?? 0);
      if (q.total < rules.minFindings) return { counts: { alertsRaised: 0, alertsUpdated: 0, qualifying: q.total } };

      const dedupeKey = `noncompliance:${run.window.start}/${run.window.end}`;
      const title = `${q.total} non-compliance finding(s) in ${run.window.start} – ${run.window.end}`;
      const summary = q.summary;
      const result = await sql<{ inserted: boolean }>`
        insert into govflow.alerts (dedupe_key, severity, title, summary, window_start, window_end, workflow_id)
        values (${dedupeKey}, ${q.worst}, ${title}, ${summary}, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, ${run.workflowId})
        on conflict (dedupe_key) do update
          set severity = excluded.severity, title = excluded.title, summary = excluded.summary,
              workflow_id = excluded.workflow_id, occurrences = govflow.alerts.occurrences + 1, last_seen = now()
        returning (xmax = 0) as inserted`.execute(db);
      const inserted = result.rows[0]?.inserted === true;
      return { counts: { alertsRaised: inserted ? 1 : 0, alertsUpdated: inserted ? 0 : 1, qualifying: q.total } };
    },
  };
}
