import { sql } from 'kysely';
import { inWindow } from '../../db/sql-window';
import { sourceInScope } from '../../db/sql-scope';
import { asJsonb, evidenceRef, type AuditRule } from './rule';
import { likeAnyOf } from './policy-relations';

// Data sovereignty: a person's data processed from a region that a sovereignty rule covering that
// person does not allow. One finding per event, naming every rule it breaks.

export const sovereigntyBreach: AuditRule = {
  id: 'sovereignty_breach',
  name: 'Personal data processed outside its allowed region',
  action: 'Stop the processing in that region and ask the DPO whether a transfer safeguard (GDPR chapter V) covers it.',
  summary: "a person's data processed from a region the policy does not allow for them",
  select: ({ window, key, policy, tables, scope }) => sql`
    select e.source || ':' || e.event_id as key, ${policy.audit.severity.sovereigntyBreach}::text as severity,
           'Processed in ' || e.region || ', not allowed by ' || string_agg(r.name, ', ' order by r.name) as description,
           e.occurred_at, govflow.pseudonym(e.principal, ${key}) as principal_key,
           govflow.pseudonym(e.subject_id, ${key}) as subject_key,
           jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
    from govflow.access_events e
    join jsonb_to_recordset(${asJsonb(tables.sovereignty)}) as r(name text, subjects_like text, region_likes jsonb)
      on e.subject_id like r.subjects_like
    where ${inWindow('e.occurred_at', window)} and e.outcome = 'success' and e.region is not null and ${sourceInScope('e', scope)}
      and not ${likeAnyOf(sql`e.region`, sql`r.region_likes`)}
    group by e.source, e.event_id, e.occurred_at, e.region, e.principal, e.subject_id`,
};
