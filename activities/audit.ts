import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { inWindow } from './sql-window';

// audit: set-based rules over the window's events. A finding's dedupe key is derived from the
// evidence, so the same event yields the same finding however often the window is run.
// Findings carry pseudonyms and event references, never raw identifiers.

export function auditActivities({ db, config, env }: ActivityDeps) {
  const key = env.pseudonymKey;
  const severity = config.policy.policy.audit.deniedSeverity;

  return {
    async audit(run: RunRef): Promise<TaskResult> {
      const wf = run.workflowId;
      await sql`
        insert into govflow.audit_findings
          (dedupe_key, rule, severity, description, occurred_at, principal_key, subject_key, evidence, first_workflow_id, last_workflow_id)
        select 'denied_access:' || e.source || ':' || e.event_id, 'denied_access', ${severity},
               'Access attempt was ' || e.outcome || ' (' || e.action || ')',
               e.occurred_at, govflow.pseudonym(e.principal, ${key}), govflow.pseudonym(e.subject_id, ${key}),
               jsonb_build_array(jsonb_build_object('table', 'access_events', 'source', e.source, 'event_id', e.event_id)),
               ${wf}, ${wf}
        from govflow.access_events e
        where ${inWindow('e.occurred_at', run.window)} and e.outcome in ('denied', 'failed')
        on conflict (dedupe_key) do update set last_workflow_id = excluded.last_workflow_id, updated_at = now()`.execute(db);

      await sql`
        insert into govflow.audit_findings
          (dedupe_key, rule, severity, description, occurred_at, principal_key, subject_key, evidence, first_workflow_id, last_workflow_id)
        select 'denied_admin_action:' || t.source || ':' || t.event_id, 'denied_admin_action', ${severity},
               'Audit-trail action was ' || t.outcome || ' (' || t.action || ')',
               t.occurred_at, govflow.pseudonym(t.actor, ${key}), null,
               jsonb_build_array(jsonb_build_object('table', 'audit_trail_events', 'source', t.source, 'event_id', t.event_id)),
               ${wf}, ${wf}
        from govflow.audit_trail_events t
        where ${inWindow('t.occurred_at', run.window)} and t.outcome in ('denied', 'failed')
        on conflict (dedupe_key) do update set last_workflow_id = excluded.last_workflow_id, updated_at = now()`.execute(db);

      const { rows } = await sql<{ rule: string; n: number }>`
        select rule, count(*)::int as n from govflow.audit_findings f
        where ${inWindow('f.occurred_at', run.window)} group by rule order by rule`.execute(db);
      const byRule = Object.fromEntries(rows.map((r) => [r.rule, r.n]));
      const total = rows.reduce((s, r) => s + r.n, 0);
      return { counts: { findings: total, rowsOut: total }, breakdown: { findingsByRule: byRule } };
    },
  };
}
