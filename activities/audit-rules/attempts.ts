import { sql, type RawBuilder } from 'kysely';

// Access attempts of both kinds in one relation: platform access events and audit-trail entries
// (SSH and console logins, CloudTrail calls, Kubernetes requests). Brute force and
// success-after-failures read both, so an SSH burst counts the same as an API burst.

export function attemptsBetween(from: string, to: string): RawBuilder<unknown> {
  return sql`(
    select 'access_events'::text as tbl, a.source, a.event_id, a.occurred_at, a.principal, a.source_ip, a.outcome
    from govflow.access_events a
    where a.occurred_at >= ${from}::timestamptz and a.occurred_at < ${to}::timestamptz
    union all
    select 'audit_trail_events'::text, t.source, t.event_id, t.occurred_at, t.actor, t.source_ip, t.outcome
    from govflow.audit_trail_events t
    where t.occurred_at >= ${from}::timestamptz and t.occurred_at < ${to}::timestamptz
  )`;
}
