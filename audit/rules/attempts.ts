import { sql, type RawBuilder } from 'kysely';
import type { SourceScope } from '../../workflow-safe/source-scope';
import { sourceInScope } from '../../db/sql-scope';

// Access attempts of both kinds in one relation: platform access events and audit-trail entries
// (SSH and console logins, CloudTrail calls, Kubernetes requests). Brute force and
// success-after-failures read both, so an SSH burst counts the same as an API burst.
//
// Attempts are counted the way the producer means them. OpenSSH logs a connection's user lookup
// ("Invalid user x from A port P", "User x from A not allowed because …") once, at its first
// request, and then each failed attempt ("Failed password for invalid user x from A port P ssh2").
// The lookup is an audit event of its own (a denial), but it is an attempt only when its
// connection logged no failure: otherwise one try would count twice and cross a brute-force
// threshold at half the attempts. The lookup carries details.userLookup and both carry
// details.connection (ingest/formats/sshd.ts); a connection's failures follow its lookup within
// LoginGraceTime (2 minutes by default), an hour is ample.

export function attemptsBetween(from: string, to: string, scope: SourceScope | undefined): RawBuilder<unknown> {
  return sql`(
    select 'access_events'::text as tbl, a.source, a.event_id, a.occurred_at, a.principal, a.source_ip, a.outcome
    from govflow.access_events a
    where a.occurred_at >= ${from}::timestamptz and a.occurred_at < ${to}::timestamptz and ${sourceInScope('a', scope)}
    union all
    select 'audit_trail_events'::text, t.source, t.event_id, t.occurred_at, t.actor, t.source_ip, t.outcome
    from govflow.audit_trail_events t
    where t.occurred_at >= ${from}::timestamptz and t.occurred_at < ${to}::timestamptz and ${sourceInScope('t', scope)}
      -- (is not distinct from: a row without the flag must stay, not turn the test into null)
      and not ((t.details->>'userLookup') is not distinct from 'true' and exists (
        select 1 from govflow.audit_trail_events c
        where c.source = t.source and (c.details->>'connection') is not null
          and (c.details->>'connection') = (t.details->>'connection')
          and c.occurred_at >= t.occurred_at and c.occurred_at < t.occurred_at + interval '1 hour'
          and c.outcome in ('denied', 'failed') and c.details->>'userLookup' is distinct from 'true'
          and (t.source_ip is null or c.source_ip is not distinct from t.source_ip)))
  )`;
}
