import { sql } from 'kysely';
import { inWindow } from '../sql-window';
import { evidenceRef, type AuditRule } from './rule';
import { isAnonymous } from './policy-relations';

// Anonymous access to a resource the policy does not list as public: a successful request with no
// principal (or one named anonymous, '-', system:anonymous…), on the platform or in the audit trail.
// Resources are compared without their query string.

export const anonymousAccess: AuditRule = {
  id: 'anonymous_access',
  summary: 'a successful anonymous access to a resource the policy does not list as public',
  select: ({ window, key, policy, tables }) => {
    const severity = policy.audit.severity.anonymousAccess;
    return sql`
      select 'access_events:' || e.source || ':' || e.event_id as key, ${severity}::text as severity,
             'Anonymous ' || e.action || ' of a non-public resource' as description,
             e.occurred_at, null::text as principal_key, govflow.pseudonym(e.subject_id, ${key}) as subject_key,
             jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
      from govflow.access_events e
      where ${inWindow('e.occurred_at', window)} and e.outcome = 'success' and ${isAnonymous('e.principal', tables)}
        and e.resource is not null and not (split_part(e.resource, '?', 1) like any(${tables.publicLikes}::text[]))
      union all
      select 'audit_trail_events:' || t.source || ':' || t.event_id, ${severity}::text,
             'Anonymous ' || left(t.action, 80) || ' on a non-public target',
             t.occurred_at, null::text, null::text, jsonb_build_array(${evidenceRef('audit_trail_events', 't')})
      from govflow.audit_trail_events t
      where ${inWindow('t.occurred_at', window)} and t.outcome = 'success' and t.actor = any(${tables.anonymous}::text[])
        and t.target is not null and not (t.target like any(${tables.publicLikes}::text[]))`;
  },
};
