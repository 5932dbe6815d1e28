import { sql } from 'kysely';
import { inWindow } from '../../db/sql-window';
import { sourceInScope } from '../../db/sql-scope';
import { evidenceRef, type AuditRule } from './rule';

// Every denied or failed attempt is a finding of its own: the cheapest signal, and the evidence
// the burst rules build on.

export const deniedAccess: AuditRule = {
  id: 'denied_access',
  name: 'Denied access to personal data',
  action: 'Check that the principal is meant to have this access; many denials from one principal or IP may be probing.',
  summary: 'an access to personal data was denied or failed',
  select: ({ window, key, policy, scope }) => sql`
    select e.source || ':' || e.event_id as key, ${policy.audit.deniedSeverity}::text as severity,
           'Access attempt was ' || e.outcome || ' (' || e.action || ')' as description,
           e.occurred_at, govflow.pseudonym(e.principal, ${key}) as principal_key,
           govflow.pseudonym(e.subject_id, ${key}) as subject_key,
           jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
    from govflow.access_events e
    where ${inWindow('e.occurred_at', window)} and e.outcome in ('denied', 'failed') and ${sourceInScope('e', scope)}`,
};

export const deniedAdminAction: AuditRule = {
  id: 'denied_admin_action',
  name: 'Denied administrative action',
  action: 'Confirm with the actor\'s team that the attempt was expected; look for a matching brute-force finding.',
  summary: 'an audit-trail action (login, admin call) was denied or failed',
  select: ({ window, key, policy, scope }) => sql`
    select t.source || ':' || t.event_id as key, ${policy.audit.deniedSeverity}::text as severity,
           'Audit-trail action was ' || t.outcome || ' (' || left(t.action, 80) || ')' as description,
           t.occurred_at, govflow.pseudonym(t.actor, ${key}) as principal_key, null::text as subject_key,
           jsonb_build_array(${evidenceRef('audit_trail_events', 't')}) as evidence
    from govflow.audit_trail_events t
    where ${inWindow('t.occurred_at', window)} and t.outcome in ('denied', 'failed') and ${sourceInScope('t', scope)}`,
};
