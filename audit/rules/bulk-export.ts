import { sql } from 'kysely';
import { inWindow } from '../../db/sql-window';
import { sourceInScope } from '../../db/sql-scope';
import { evidenceRef, MAX_EVIDENCE, type AuditRule } from './rule';

// Bulk export above the policy's thresholds, seen two ways:
// - one audit-trail export whose row count (details.rows, or "rows=N" in the target) exceeds maxRows;
// - one principal exporting more than maxSubjectsPerHour distinct people's data in a clock hour;
//   the finding belongs to the window in which the threshold was crossed.

export const bulkExport: AuditRule = {
  id: 'bulk_export',
  name: 'Bulk export of personal data',
  action: 'Confirm the export\'s purpose and recipient; if it was not approved, have the data recovered or deleted.',
  summary: 'an export of personal data above the policy threshold',
  select: ({ window, key, policy, tables, scope }) => {
    const { maxRows, maxSubjectsPerHour, severity } = policy.audit.bulkExport;
    return sql`
      with sized as (
        select t.*, coalesce(
                 case when t.details->>'rows' ~ '^[0-9]{1,18}$' then (t.details->>'rows')::bigint end,
                 substring(t.target from 'rows=([0-9]{1,18})')::bigint) as n
        from govflow.audit_trail_events t
        where ${inWindow('t.occurred_at', window)} and t.outcome = 'success' and ${sourceInScope('t', scope)}
          and t.action ilike any(${tables.exportLikes}::text[])
      ), exporters as (
        -- A threshold can only be crossed inside the window by someone who exported in it: the look-back
        -- to the start of the hour reads only their rows, and nothing when nobody exported (a stream
        -- batch late in a busy hour would otherwise rescan the whole hour's traffic).
        select distinct coalesce(w.principal, '') as principal
        from govflow.access_events w
        where ${inWindow('w.occurred_at', window)} and w.outcome = 'success' and w.subject_id is not null and ${sourceInScope('w', scope)}
          and w.action ilike any(${tables.exportLikes}::text[])
      ), firsts as (
        select e.principal, date_trunc('hour', e.occurred_at) as hr, e.subject_id, min(e.occurred_at) as first_at,
               (array_agg(${evidenceRef('access_events', 'e')} order by e.occurred_at, e.source, e.event_id))[1] as ref
        from govflow.access_events e
        where exists (select 1 from exporters)
          and coalesce(e.principal, '') in (select principal from exporters)
          and e.occurred_at >= date_trunc('hour', ${window.start}::timestamptz) and e.occurred_at < ${window.end}::timestamptz
          and e.outcome = 'success' and e.subject_id is not null and e.action ilike any(${tables.exportLikes}::text[])
          and ${sourceInScope('e', scope)}
        group by e.principal, date_trunc('hour', e.occurred_at), e.subject_id
      ), ranked as (
        select f.*, row_number() over (partition by f.principal, f.hr order by f.first_at, f.subject_id) as rn from firsts f
      ), crossed as (
        select r.principal, r.hr, count(*) as subjects,
               min(r.first_at) filter (where r.rn = ${maxSubjectsPerHour + 1}) as reached,
               (array_agg(r.ref order by r.first_at, r.subject_id))[1:${MAX_EVIDENCE}] as refs
        from ranked r group by r.principal, r.hr having count(*) > ${maxSubjectsPerHour}
      )
      select 'audit_trail_events:' || s.source || ':' || s.event_id as key, ${severity}::text as severity,
             'Export of ' || s.n || ' rows (threshold ' || ${maxRows}::bigint || ')' as description,
             s.occurred_at, govflow.pseudonym(s.actor, ${key}) as principal_key, null::text as subject_key,
             jsonb_build_array(${evidenceRef('audit_trail_events', 's')}) as evidence
      from sized s where s.n > ${maxRows}
      union all
      select 'hourly:' || coalesce(govflow.pseudonym(c.principal, ${key}), 'anonymous') || ':' ||
               to_char(c.hr at time zone 'UTC', 'YYYY-MM-DD"T"HH24"Z"'),
             ${severity}::text,
             'Exported ' || c.subjects || ' people''s data in one hour (threshold ' || ${maxSubjectsPerHour}::int || ')',
             c.reached, govflow.pseudonym(c.principal, ${key}), null::text, to_jsonb(c.refs)
      from crossed c
      where ${inWindow('c.reached', window)}`;
  },
};
