import { sql } from 'kysely';
import { attemptsBetween } from './attempts';
import { before, MAX_EVIDENCE, MINUTE_MS, type AuditRule } from './rule';

// Possible compromise: a success from a source IP right after a burst of failures from the same
// IP (at least N failures within the M minutes before it, since that IP's previous success).
// Only the first success after the burst is a finding; its key is that success event.

export const successAfterFailures: AuditRule = {
  id: 'success_after_failures',
  name: 'Login succeeded after repeated failures',
  action: 'Treat the account as possibly compromised: confirm with its owner, reset its credentials, review what it did next.',
  summary: 'a success from a source right after a burst of failures from it (possible compromise)',
  select: ({ window, key, policy, scope }) => {
    const { minFailures, withinMinutes, severity } = policy.audit.successAfterFailures;
    const span = sql`make_interval(mins => ${withinMinutes})`;
    const from = before(window.start, withinMinutes * MINUTE_MS);
    return sql`
      with suspects as (
        -- Only IPs with enough failures at all can qualify. Failures are few and indexed
        -- (partial indexes access_events_failed, audit_trail_failed): this costs what failures cost.
        select a.source_ip from ${attemptsBetween(from, window.end, scope)} a
        where a.outcome in ('denied', 'failed') and a.source_ip is not null
        group by a.source_ip having count(*) >= ${minFailures}
      ), raw as (
        -- An empty suspects set ends the query here: the look-back's traffic is never read.
        select a.* from ${attemptsBetween(from, window.end, scope)} a join suspects using (source_ip)
      ), attempts as (
        select a.*,
               count(*) filter (where a.outcome = 'success')
                 over (partition by a.source_ip order by a.occurred_at, a.outcome desc, a.source, a.event_id
                       rows between unbounded preceding and 1 preceding) as successes_before
        from raw a join suspects using (source_ip)
      ), counted as (
        -- Failures in the M minutes up to each attempt, since the IP's previous success: a window
        -- over time, not a self-join, so a busy IP (a NAT gateway, a service) costs n, not n².
        select a.*,
               count(*) filter (where a.outcome <> 'success')
                 over (partition by a.source_ip, a.successes_before order by a.occurred_at
                       range between ${span} preceding and current row) as failures
        from attempts a
      ), hits as (
        select c.tbl, c.source, c.event_id, c.occurred_at, c.principal, c.failures,
               (select (array_agg(jsonb_build_object('table', f.tbl, 'source', f.source, 'event_id', f.event_id)
                                  order by f.occurred_at, f.source, f.event_id))[1:${MAX_EVIDENCE}]
                from attempts f
                where f.source_ip = c.source_ip and f.outcome <> 'success' and f.successes_before = c.successes_before
                  and f.occurred_at >= c.occurred_at - ${span} and f.occurred_at <= c.occurred_at) as refs
        from counted c
        where c.outcome = 'success' and c.failures >= ${minFailures}
          and c.occurred_at >= ${window.start}::timestamptz and c.occurred_at < ${window.end}::timestamptz
      )
      select h.tbl || ':' || h.source || ':' || h.event_id as key, ${severity}::text as severity,
             'Success after ' || h.failures || ' failed attempts from the same source within ' || ${withinMinutes}::int || ' minutes' as description,
             h.occurred_at, govflow.pseudonym(h.principal, ${key}) as principal_key, null::text as subject_key,
             jsonb_build_array(jsonb_build_object('table', h.tbl, 'source', h.source, 'event_id', h.event_id)) || to_jsonb(h.refs) as evidence
      from hits h`;
  },
};
