import { sql } from 'kysely';
import { inWindow } from '../../db/sql-window';
import { sourceInScope } from '../../db/sql-scope';
import { asJsonb, evidenceRef, type AuditRule } from './rule';

// Privileged audit-trail actions (role grants, audit logging stopped or deleted, cluster-admin
// bindings: policy.audit.privilegedActions), whatever their outcome: even a denied attempt to stop
// the audit trail is something a regulator expects to see. Actions match case-insensitively;
// target patterns match the target or the event's details. One finding per event, at the highest
// severity of the kinds it matches.

export const privilegedAction: AuditRule = {
  id: 'privileged_action',
  name: 'Privileged change (role grant, audit logging stopped)',
  action: 'Confirm the change was approved (change ticket); restore audit logging if it was stopped.',
  summary: 'a privileged audit-trail action: role grant, audit logging stopped or deleted, cluster-admin binding',
  select: ({ window, key, tables, scope }) => sql`
    select t.source || ':' || t.event_id as key,
           (array_agg(r.severity order by array_position(array['low', 'medium', 'high', 'critical'], r.severity) desc))[1] as severity,
           'Privileged action: ' || string_agg(distinct r.name, ', ' order by r.name) || ' (' || left(t.action, 80) || ', ' || t.outcome || ')' as description,
           t.occurred_at, govflow.pseudonym(t.actor, ${key}) as principal_key, null::text as subject_key,
           jsonb_build_array(${evidenceRef('audit_trail_events', 't')}) as evidence
    from govflow.audit_trail_events t
    join jsonb_to_recordset(${asJsonb(tables.privileged)}) as r(name text, action_like text, target_likes jsonb, severity text)
      on t.action ilike r.action_like
     and (r.target_likes is null or exists (
           select 1 from jsonb_array_elements_text(r.target_likes) as g(x)
           where coalesce(t.target, '') || ' ' || t.details::text ilike g.x))
    where ${inWindow('t.occurred_at', window)} and ${sourceInScope('t', scope)}
    group by t.source, t.event_id, t.occurred_at, t.actor, t.action, t.outcome`,
};
