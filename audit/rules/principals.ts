import { sql, type RawBuilder } from 'kysely';
import type { Window } from '../../workflow-safe/window';
import type { SourceScope } from '../../workflow-safe/source-scope';
import { sourceInScope } from '../../db/sql-scope';
import type { PolicyTables } from '../policy-tables';
import type { Severity } from '../../reporting/alerts/severity';
import type { AuditRule, RuleContext } from './rule';
import { isAnonymous, principalsRelation } from './policy-relations';

// Who acted: a successful action by a principal the policy does not list, or by one it lists as
// deactivated at that time. Both access events and the audit trail count. With no principals in
// the policy the inventory is unknown, and these rules stay silent rather than flag everyone.

/** Successful, signed-in actions of both tables in the window. */
function actors(window: Window, t: PolicyTables, scope: SourceScope | undefined): RawBuilder<unknown> {
  return sql`(
    select 'access_events'::text as tbl, e.source, e.event_id, e.occurred_at, e.principal as who, e.subject_id
    from govflow.access_events e
    where e.occurred_at >= ${window.start}::timestamptz and e.occurred_at < ${window.end}::timestamptz
      and e.outcome = 'success' and not ${isAnonymous('e.principal', t)} and ${sourceInScope('e', scope)}
    union all
    select 'audit_trail_events'::text, a.source, a.event_id, a.occurred_at, a.actor, null
    from govflow.audit_trail_events a
    where a.occurred_at >= ${window.start}::timestamptz and a.occurred_at < ${window.end}::timestamptz
      and a.outcome = 'success' and not ${isAnonymous('a.actor', t)} and ${sourceInScope('a', scope)}
  )`;
}

/** One finding per successful action whose actor satisfies `test` (over `principals p`, `a`). */
function actorFindings(ctx: RuleContext, severity: Severity, description: string, test: RawBuilder<boolean>): RawBuilder<unknown> {
  const { window, key, tables, scope } = ctx;
  return sql`
    with principals as materialized (select * from ${principalsRelation(tables)})
    select a.tbl || ':' || a.source || ':' || a.event_id as key, ${severity}::text as severity, ${description}::text as description,
           a.occurred_at, govflow.pseudonym(a.who, ${key}) as principal_key, govflow.pseudonym(a.subject_id, ${key}) as subject_key,
           jsonb_build_array(jsonb_build_object('table', a.tbl, 'source', a.source, 'event_id', a.event_id)) as evidence
    from ${actors(window, tables, scope)} a
    where ${test}`;
}

export const unknownPrincipal: AuditRule = {
  id: 'unknown_principal',
  name: 'Action by a principal the policy does not know',
  action: 'Find out who the principal is; add it to the policy with its roles, or disable it.',
  summary: 'a successful action by a principal the policy does not know',
  select: (ctx) =>
    actorFindings(ctx, ctx.policy.audit.severity.unknownPrincipal, 'Successful action by a principal the policy does not list',
      sql<boolean>`${ctx.tables.principals.length > 0} and not exists (select 1 from principals p where p.name = a.who)`),
};

export const deactivatedPrincipal: AuditRule = {
  id: 'deactivated_principal',
  name: 'Action by a deactivated principal',
  action: 'Disable the credentials that still work and review what was done with them.',
  summary: 'a successful action by a principal deactivated at that time',
  select: (ctx) =>
    actorFindings(ctx, ctx.policy.audit.severity.deactivatedPrincipal, 'Successful action by a deactivated principal',
      sql<boolean>`exists (select 1 from principals p where p.name = a.who and p.deactivated_at <= a.occurred_at)`),
};
