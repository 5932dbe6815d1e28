import { sql, type RawBuilder } from 'kysely';
import { inWindow } from '../../db/sql-window';
import { sourceInScope } from '../../db/sql-scope';
import { evidenceRef, type AuditRule } from './rule';
import { isAnonymous } from './policy-relations';

// Anonymous access to a non-public resource: a successful request with no principal (or one named
// anonymous, '-', system:anonymous…), on the platform or in the audit trail, to a resource not in
// publicResources that is in protectedResources (or any, when that list is empty) or that carries
// a person's data. Resources are compared without their query string.

export const anonymousAccess: AuditRule = {
  id: 'anonymous_access',
  name: 'Anonymous access to a non-public resource',
  action: 'Restrict the resource, or list it as public in the policy if it is meant to be.',
  summary: 'a successful anonymous access to a resource the policy does not list as public',
  select: ({ window, key, policy, tables, scope }) => {
    const severity = policy.audit.severity.anonymousAccess;
    const everything = tables.protectedLikes.length === 0;
    const nonPublic = (resource: RawBuilder<unknown>, personal: RawBuilder<unknown>) => sql`
      not (${resource} like any(${tables.publicLikes}::text[]))
      and (${everything} or ${resource} like any(${tables.protectedLikes}::text[]) or ${personal})`;
    return sql`
      select 'access_events:' || e.source || ':' || e.event_id as key, ${severity}::text as severity,
             'Anonymous ' || e.action || ' of a non-public resource' as description,
             e.occurred_at, null::text as principal_key, govflow.pseudonym(e.subject_id, ${key}) as subject_key,
             jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
      from govflow.access_events e
      where ${inWindow('e.occurred_at', window)} and e.outcome = 'success' and ${isAnonymous('e.principal', tables)} and ${sourceInScope('e', scope)}
        and e.resource is not null
        and ${nonPublic(sql`split_part(e.resource, '?', 1)`, sql`(e.subject_id is not null or e.data_category is not null)`)}
      union all
      select 'audit_trail_events:' || t.source || ':' || t.event_id, ${severity}::text,
             'Anonymous ' || left(t.action, 80) || ' on a non-public target',
             t.occurred_at, null::text, null::text, jsonb_build_array(${evidenceRef('audit_trail_events', 't')})
      from govflow.audit_trail_events t
      where ${inWindow('t.occurred_at', window)} and t.outcome = 'success' and t.actor = any(${tables.anonymous}::text[]) and ${sourceInScope('t', scope)}
        and t.target is not null and ${nonPublic(sql`t.target`, sql`false`)}`;
  },
};
