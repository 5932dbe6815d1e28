import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { ScopedRun } from '../workflow-safe/source-scope';
import { aboutInScope, regionSuffix } from '../db/sql-scope';
import type { TaskResult } from '../workflow-safe/dag';
import { policyTables } from './policy-tables';
import { inWindow } from '../db/sql-window';
import { withPlanner } from '../db/planner';
import { AUDIT_RULES } from './rules';
import { ABOUT_PRINCIPAL } from './rules/rule';
import { CONSENT_INCIDENT_RULE, groupAuditIncidents, incidentBucketSeconds, incidentsInWindow } from './incidents';

// audit: every rule of audit/rules/ is one set-based SELECT over the window; this step
// writes their rows into audit_findings. A finding's dedupe key is the rule's id and a key derived
// from the evidence, so the same events yield the same finding however often the window is run
// (a re-run only moves last_workflow_id). Findings carry pseudonyms and event references only.
// Then the findings of the buckets the window touches are grouped into incidents (audit/incidents.ts).
//
// Region-pinned (run.scope, workflow-safe/source-scope.ts): every rule reads only the scope's
// sources, and a region's findings carry `@region` at the end of their dedupe key and `about`, so
// a principal's hourly bulk export seen in two regions is two findings that never overwrite each
// other, and each scope counts, and regroups into incidents, only its own. Rules that correlate
// across sources (brute force against one principal, success after failures from one IP) then see
// each region's events apart: the price of sovereignty (README, "Regions").

/** The audit step over one run's window (activities/audit.ts is its Temporal-facing shell). */
export function auditRuleRunner({ db, config, env }: ActivityDeps) {
  const policy = config.policy.policy;
  const tables = policyTables(policy);

  return {
    async audit(run: ScopedRun): Promise<TaskResult> {
      const wf = run.workflowId;
      const { scope } = run;
      const ctx = { window: run.window, key: env.pseudonymKey, policy, tables, scope };
      const suffix = regionSuffix(scope);
      for (const rule of AUDIT_RULES) {
        const insert = sql`
          insert into govflow.audit_findings
            (dedupe_key, rule, severity, description, occurred_at, principal_key, subject_key, evidence, about, first_workflow_id, last_workflow_id)
          select ${rule.id}::text || ':' || f.key || ${suffix}, ${rule.id}::text, f.severity, f.description, f.occurred_at, f.principal_key, f.subject_key,
                 f.evidence, (${rule.about ?? ABOUT_PRINCIPAL}) || ${suffix}, ${wf}, ${wf}
          from (${rule.select(ctx)}) as f
          on conflict (dedupe_key) do update
            set last_workflow_id = excluded.last_workflow_id, severity = excluded.severity, description = excluded.description,
                evidence = excluded.evidence, about = excluded.about, updated_at = now()`;
        if (rule.planner) await withPlanner(db, rule.planner, (trx) => insert.execute(trx));
        else await insert.execute(db);
      }
      const { incidents: grouping } = policy.audit;
      const grouped = await groupAuditIncidents(db, { window: run.window, bucketSeconds: incidentBucketSeconds(policy.audit), sample: grouping.sample, workflowId: wf, scope });

      const { rows } = await sql<{ rule: string; n: number }>`
        select rule, count(*)::int as n from govflow.audit_findings f
        where ${inWindow('f.occurred_at', run.window)} and ${aboutInScope(sql`coalesce(f.about, 'unattributed')`, scope)}
        group by rule order by rule`.execute(db);
      const byRule = Object.fromEntries(rows.map((r) => [r.rule, r.n]));
      const total = rows.reduce((s, r) => s + r.n, 0);
      const incidents = (await incidentsInWindow(db, run.window, scope)).filter((i) => i.rule !== CONSENT_INCIDENT_RULE);
      const incidentsByRule: Record<string, number> = {};
      for (const i of incidents) incidentsByRule[i.rule] = (incidentsByRule[i.rule] ?? 0) + i.n;
      const incidentTotal = incidents.reduce((s, r) => s + r.n, 0);
      return {
        counts: { findings: total, incidents: incidentTotal, incidentsCreated: grouped.created, incidentsGrown: grouped.grown, rowsOut: total },
        breakdown: { findingsByRule: byRule, incidentsByRule },
      };
    },
  };
}
