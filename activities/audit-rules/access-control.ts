import { sql, type RawBuilder } from 'kysely';
import { inWindow } from '../sql-window';
import { evidenceRef, type AuditRule, type RuleContext } from './rule';
import { grantsRelation, likeAnyOf, principalsRelation } from './policy-relations';

// RBAC and ABAC over successful accesses by known, active principals (unknown and deactivated
// principals are their own rules). RBAC: no role of the principal grants (action, data category,
// purpose). ABAC: some grant does, but none whose conditions (region, justification, hours) hold.

/** The ticket or justification an access cites: its own field, or a ticket= in the request. */
const JUSTIFICATION = sql`coalesce(nullif(btrim(e.justification), ''), substring(e.resource from '[?&](?:ticket|justification)=([^&#]+)'))`;

const GRANT_MATCHES = sql`g.principal_id = p.principal_id and e.action like g.action_like
  and (g.category = '*' or e.data_category = g.category or starts_with(e.data_category, g.category || '.'))
  and (g.purpose = '*' or e.purpose = g.purpose)`;
const REGION_OK = sql`(g.region_likes is null or ${likeAnyOf(sql`e.region`, sql`g.region_likes`)})`;
const JUSTIFIED = sql`(not g.require_justification or ${JUSTIFICATION} is not null)`;
const LOCAL_HOUR = sql`extract(hour from e.occurred_at at time zone g.time_zone)::int`;
const IN_HOURS = sql`(g.hour_from is null or case when g.hour_from < g.hour_to
  then ${LOCAL_HOUR} >= g.hour_from and ${LOCAL_HOUR} < g.hour_to
  else ${LOCAL_HOUR} >= g.hour_from or ${LOCAL_HOUR} < g.hour_to end)`;

function anyGrant(ctx: RuleContext, extra: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from ${grantsRelation(ctx.tables)} where ${GRANT_MATCHES} and ${extra})`;
}

/** Successful accesses by active known principals, with what their grants allow. */
function checkedAccesses(ctx: RuleContext): RawBuilder<unknown> {
  return sql`(
    select e.source, e.event_id, e.occurred_at, e.principal, e.subject_id, e.action, e.data_category, e.purpose,
           ${anyGrant(ctx, sql`true`)} as permitted,
           ${anyGrant(ctx, REGION_OK)} as region_ok,
           ${anyGrant(ctx, JUSTIFIED)} as justified,
           ${anyGrant(ctx, IN_HOURS)} as in_hours,
           ${anyGrant(ctx, sql`${REGION_OK} and ${JUSTIFIED} and ${IN_HOURS}`)} as allowed
    from govflow.access_events e
    join ${principalsRelation(ctx.tables)} on p.name = e.principal and (p.deactivated_at is null or p.deactivated_at > e.occurred_at)
    where ${inWindow('e.occurred_at', ctx.window)} and e.outcome = 'success'
  )`;
}

export const rbacViolation: AuditRule = {
  id: 'rbac_violation',
  summary: "a successful access that none of the principal's roles allows (action, data category, purpose)",
  select: (ctx) => sql`
    select e.source || ':' || e.event_id as key, ${ctx.policy.audit.severity.rbacViolation}::text as severity,
           'No role of the principal allows ' || e.action || ' on ' || coalesce(e.data_category, 'uncategorised data') ||
             ' for ' || coalesce(e.purpose, 'no stated purpose') as description,
           e.occurred_at, govflow.pseudonym(e.principal, ${ctx.key}) as principal_key,
           govflow.pseudonym(e.subject_id, ${ctx.key}) as subject_key,
           jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
    from ${checkedAccesses(ctx)} e
    where not e.permitted`,
};

export const abacViolation: AuditRule = {
  id: 'abac_violation',
  summary: "an access the principal's role allows, but whose attributes (region, justification, hours) fail its conditions",
  select: (ctx) => sql`
    select e.source || ':' || e.event_id as key, ${ctx.policy.audit.severity.abacViolation}::text as severity,
           'Access allowed by role but outside its conditions: ' ||
             coalesce(nullif(concat_ws(', ',
               case when not e.region_ok then 'region not allowed' end,
               case when not e.justified then 'no ticket or justification' end,
               case when not e.in_hours then 'outside allowed hours' end), ''), 'no grant satisfies all conditions at once') as description,
           e.occurred_at, govflow.pseudonym(e.principal, ${ctx.key}) as principal_key,
           govflow.pseudonym(e.subject_id, ${ctx.key}) as subject_key,
           jsonb_build_array(${evidenceRef('access_events', 'e')}) as evidence
    from ${checkedAccesses(ctx)} e
    where e.permitted and not e.allowed`,
};
