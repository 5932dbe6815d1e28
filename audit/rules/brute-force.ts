import { sql } from 'kysely';
import { attemptsBetween } from './attempts';
import { before, MAX_EVIDENCE, MINUTE_MS, type AuditRule } from './rule';

// Brute force: at least N failures from one source IP, or against one principal from several
// sources, within M minutes (N, M from policy.audit.bruteForce).
//
// Failures of one source are cut into bursts wherever two are more than M minutes apart; a burst
// is a finding when some M-minute span inside it holds N failures. Its key is the source and the
// burst's first failure, so a burst is one finding however many windows it spans; it belongs to
// the window in which it first reached N. Failures are read from an hour (or 3 M) before the
// window, enough to see a burst that straddles the window's start without rescanning a day.

export const bruteForce: AuditRule = {
  id: 'brute_force',
  name: 'Brute-force login attempts',
  action: 'Block or rate-limit the source IP; check that the targeted accounts use MFA and were not taken over.',
  summary: 'many failed attempts from one source IP, or against one principal, in a short time',
  // The source address (or, for a spread attack, the targeted principal): the key's first two parts.
  about: sql<string>`split_part(f.key, ':', 1) || ':' || split_part(f.key, ':', 2)`,
  select: ({ window, key, policy, scope }) => {
    const { minFailures, withinMinutes, severity } = policy.audit.bruteForce;
    const span = sql`make_interval(mins => ${withinMinutes})`;
    const lookbackMs = Math.max(60, 3 * withinMinutes) * MINUTE_MS;
    return sql`
      with failures as (
        select * from ${attemptsBetween(before(window.start, lookbackMs), window.end, scope)} a
        where a.outcome in ('denied', 'failed')
      ), keyed as (
        select 'ip'::text as kind, f.source_ip as who, f.* from failures f where f.source_ip is not null
        union all
        select 'principal', f.principal, f.* from failures f where f.principal is not null
      ), marked as (
        select k.*, case when lag(k.occurred_at) over w is null or k.occurred_at - lag(k.occurred_at) over w > ${span}
                         then 1 else 0 end as starts
        from keyed k window w as (partition by k.kind, k.who order by k.occurred_at, k.source, k.event_id)
      ), counted as (
        select m.*,
               sum(m.starts) over (partition by m.kind, m.who order by m.occurred_at, m.source, m.event_id) as burst,
               count(*) over (partition by m.kind, m.who order by m.occurred_at range between ${span} preceding and current row) as recent
        from marked m
      ), bursts as (
        select c.kind, c.who, c.burst, min(c.occurred_at) as started,
               min(c.occurred_at) filter (where c.recent >= ${minFailures}) as reached,
               count(*) as failures,
               count(distinct c.source_ip) as ips, bool_or(c.source_ip is null) as some_without_ip,
               count(distinct c.principal) as principals, min(c.principal) as principal,
               (array_agg(jsonb_build_object('table', c.tbl, 'source', c.source, 'event_id', c.event_id)
                          order by c.occurred_at, c.source, c.event_id))[1:${MAX_EVIDENCE}] as refs
        from counted c group by c.kind, c.who, c.burst
      )
      select b.kind || ':' || govflow.pseudonym(b.who, ${key}) || ':' ||
               to_char(b.started at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as key,
             ${severity}::text as severity,
             b.failures || ' failed attempts ' ||
               case b.kind when 'ip' then 'from one source IP' else 'against one principal from ' || b.ips || ' sources' end ||
               ' (at least ' || ${minFailures}::int || ' within ' || ${withinMinutes}::int || ' minutes)' as description,
             b.reached as occurred_at,
             case when b.kind = 'principal' or b.principals = 1 then govflow.pseudonym(b.principal, ${key}) end as principal_key,
             null::text as subject_key,
             to_jsonb(b.refs) as evidence
      from bursts b
      where b.reached >= ${window.start}::timestamptz and b.reached < ${window.end}::timestamptz
        -- A principal's burst from a single IP is already that IP's finding.
        and (b.kind = 'ip' or b.ips > 1 or b.some_without_ip)`;
  },
};
