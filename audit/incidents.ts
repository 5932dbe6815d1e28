import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/pool';
import type { Window } from '../workflow-safe/window';
import type { AuditPolicy } from '../policy/audit';
import { parseDurationSeconds } from '../config/duration';
import { SEVERITIES } from '../reporting/alerts/severity';
import type { SourceScope } from '../workflow-safe/source-scope';
import { aboutInScope, regionSuffix, sourceInScope } from '../db/sql-scope';

// Incidents: what a governance team reads instead of one row per event. Findings (audit_findings)
// and consent violations are grouped by rule, by what the rule is about (audit_findings.about, set
// from the rule's `about`; a consent violation is about the person, as a pseudonym) and by a time
// bucket (policy.audit.incidents.bucket), the way detection tools deduplicate alerts (Panther's
// deduplication period, Elastic's alert suppression per group-by fields and time window).
//
// Grouping is recomputed over every bucket a window touches, from all the findings in those
// buckets, and upserted on (rule, about, bucket): a re-run changes nothing, and a later run, late
// data or a stream batch that adds findings to a bucket grows its incident (findings, last_seen,
// severity, growths + 1) instead of adding a second one. Each finding's incident_id links it to
// its incident, so every contributing event stays traceable through the finding's evidence.
//
// A region-pinned run (workflow-safe/source-scope.ts) groups per scope: a region's findings carry
// `@region` in their `about`, so its incidents never share a key with another region's, and each
// scope regroups only its own (by `about`): two regional audits of one run, or a retry of one,
// never overwrite or shrink the other's incidents.

/** The rule id consent violations are grouped under (as the reports list them). */
export const CONSENT_INCIDENT_RULE = 'consent_violation';

/** The bucket length in seconds, from the policy's audit section (validated there). */
export function incidentBucketSeconds(audit: Pick<AuditPolicy, 'incidents'>): number {
  return parseDurationSeconds(audit.incidents.bucket, 'policy.audit.incidents.bucket');
}

/** The buckets [lo, hi) that cover a window, aligned to the epoch. */
function bucketRange(window: Window, seconds: number): { lo: string; hi: string } {
  const ms = seconds * 1000;
  const lo = Math.floor(Date.parse(window.start) / ms) * ms;
  const hi = Math.ceil(Date.parse(window.end) / ms) * ms;
  return { lo: new Date(lo).toISOString(), hi: new Date(Math.max(hi, lo + ms)).toISOString() };
}

/** The worst severity of a group, by the policy's severity order. */
const WORST = sql`(array_agg(s.severity order by array_position(${[...SEVERITIES]}::text[], s.severity) desc))[1]`;

interface GroupOptions {
  window: Window;
  bucketSeconds: number;
  sample: number;
  workflowId: string;
  /** Only this scope's findings (and incidents); absent: all of them. */
  scope?: SourceScope;
}

/**
 * Groups the findings of the buckets `window` touches into incidents, upserting them, and links
 * each finding to its incident. `source` is a SELECT of (id, rule, about, severity, occurred_at,
 * description, principal_key) over [lo, hi); `table` is where its rows live (for the link).
 * Returns the number of incidents created (opened by this workflow, first seen in its window:
 * the same on a retried attempt) and grown (by this attempt).
 */
async function group(db: Db, table: 'audit_findings' | 'consent_violations', source: (lo: string, hi: string) => RawBuilder<unknown>, o: GroupOptions): Promise<{ created: number; grown: number }> {
  const { lo, hi } = bucketRange(o.window, o.bucketSeconds);
  const span = sql`make_interval(secs => ${o.bucketSeconds})`;
  const { rows } = await sql<{ created: number; grown: number }>`
    with s as (
      select x.*, date_bin(${span}, x.occurred_at, timestamptz '1970-01-01 00:00:00+00') as bucket from (${source(lo, hi)}) x
    ), g as (
      select s.rule, s.about, s.bucket, count(*)::int as findings, min(s.occurred_at) as first_seen, max(s.occurred_at) as last_seen,
             ${WORST} as severity,
             (array_agg(s.description order by s.occurred_at, s.id))[1] as description,
             (array_agg(s.id order by s.occurred_at, s.id))[1:${o.sample}] as sample,
             case when count(distinct s.principal_key) = 1 then min(s.principal_key) end as principal_key
      from s group by s.rule, s.about, s.bucket
    ), up as (
      insert into govflow.incidents as i (rule, about, bucket_start, bucket_end, severity, findings, first_seen, last_seen,
                                          description, sample_finding_ids, principal_key, first_workflow_id, last_workflow_id)
      select g.rule, g.about, g.bucket, g.bucket + ${span}, g.severity, g.findings, g.first_seen, g.last_seen,
             g.description, g.sample, g.principal_key, ${o.workflowId}, ${o.workflowId}
      from g
      on conflict (rule, about, bucket_start, bucket_end) do update
        set findings = excluded.findings, severity = excluded.severity, first_seen = excluded.first_seen,
            last_seen = excluded.last_seen, description = excluded.description, sample_finding_ids = excluded.sample_finding_ids,
            principal_key = excluded.principal_key, last_workflow_id = excluded.last_workflow_id, updated_at = now(),
            growths = i.growths + (excluded.findings > i.findings)::int
        where (i.findings, i.severity, i.first_seen, i.last_seen) is distinct from
              (excluded.findings, excluded.severity, excluded.first_seen, excluded.last_seen)
      returning (xmax = 0) as created
    )
    select (count(*) filter (where created))::int as created, (count(*) filter (where not created))::int as grown from up`.execute(db);
  // Linked in a second statement: the upsert above only returns the incidents it changed, and a
  // finding must point at its incident even when the incident itself did not change.
  await sql`
    update ${sql.table(`govflow.${table}`)} as t set incident_id = i.id
    from (select x.*, date_bin(${span}, x.occurred_at, timestamptz '1970-01-01 00:00:00+00') as bucket from (${source(lo, hi)}) x) s
    join govflow.incidents i on i.rule = s.rule and i.about = s.about and i.bucket_start = s.bucket and i.bucket_end = s.bucket + ${span}
    where t.id = s.id and t.incident_id is distinct from i.id`.execute(db);
  // Created: the incidents of these buckets that this workflow opened, first seen in its window.
  // Counted from the table, not from what the upsert returned, so a retried attempt (whose first
  // try committed them) reports what the first did (npm run chaos, RELIABILITY.md finding 6); a
  // stream's later batch, under the same workflow id, does not count its earlier batches'.
  const { rows: opened } = await sql<{ n: number }>`
    with g as (
      select distinct x.rule, x.about, date_bin(${span}, x.occurred_at, timestamptz '1970-01-01 00:00:00+00') as bucket from (${source(lo, hi)}) x
    )
    select count(*)::int as n from g
    join govflow.incidents i on i.rule = g.rule and i.about = g.about and i.bucket_start = g.bucket and i.bucket_end = g.bucket + ${span}
    where i.first_workflow_id = ${o.workflowId}
      and i.first_seen >= ${o.window.start}::timestamptz and i.first_seen < ${o.window.end}::timestamptz`.execute(db);
  return { created: opened[0]?.n ?? 0, grown: rows[0]?.grown ?? 0 };
}

/** Groups the audit findings of the buckets a window touches into incidents. */
export function groupAuditIncidents(db: Db, o: GroupOptions): Promise<{ created: number; grown: number }> {
  return group(db, 'audit_findings', (lo, hi) => sql`
    select f.id, f.rule, coalesce(f.about, 'unattributed') as about, f.severity, f.occurred_at, f.description, f.principal_key
    from govflow.audit_findings f where f.occurred_at >= ${lo}::timestamptz and f.occurred_at < ${hi}::timestamptz
      and ${aboutInScope(sql`coalesce(f.about, 'unattributed')`, o.scope)}`, o);
}

/**
 * Groups the consent violations of the buckets a window touches into incidents, one per person
 * (pseudonym) and bucket, at `severity` (the policy's consent-violation severity).
 */
export function groupConsentIncidents(db: Db, o: GroupOptions & { severity: string }): Promise<{ created: number; grown: number }> {
  return group(db, 'consent_violations', (lo, hi) => sql`
    select v.id, ${CONSENT_INCIDENT_RULE}::text as rule, 'subject:' || v.subject_key || ${regionSuffix(o.scope)} as about, ${o.severity}::text as severity,
           v.occurred_at,
           'Processing for ' || v.purpose || ' without consent (' || replace(v.reason, '_', ' ') || ')' as description,
           null::text as principal_key
    from govflow.consent_violations v where v.occurred_at >= ${lo}::timestamptz and v.occurred_at < ${hi}::timestamptz
      and ${sourceInScope('v', o.scope)}`, o);
}

export interface IncidentTally {
  rule: string;
  severity: string;
  /** Incidents with at least one finding in the window. */
  n: number;
  /** Their findings in the window. */
  findings: number;
}

/**
 * The incidents a window contributed to (at least one of their findings or consent violations
 * occurred in it), by rule and severity: what reports, alerts and KPIs count. With `scope`, only
 * that scope's incidents (by their `about`), as a region-pinned step counts its own.
 */
export async function incidentsInWindow(db: Db, window: Window, scope?: SourceScope): Promise<IncidentTally[]> {
  const { rows } = await sql<IncidentTally>`
    with contributing as (
      select f.incident_id as id from govflow.audit_findings f
      where f.occurred_at >= ${window.start}::timestamptz and f.occurred_at < ${window.end}::timestamptz and f.incident_id is not null
      union all
      select v.incident_id from govflow.consent_violations v
      where v.occurred_at >= ${window.start}::timestamptz and v.occurred_at < ${window.end}::timestamptz and v.incident_id is not null
    )
    select i.rule, i.severity, count(distinct i.id)::int as n, count(*)::int as findings
    from contributing c join govflow.incidents i on i.id = c.id
    where ${aboutInScope(sql`i.about`, scope)}
    group by i.rule, i.severity order by n desc, i.rule, i.severity`.execute(db);
  return rows;
}

/** One incident as reports and `govflow findings --incidents` show it (pseudonyms only). */
export interface IncidentView {
  id: number;
  rule: string;
  about: string;
  severity: string;
  findings: number;
  bucketStart: string;
  bucketEnd: string;
  firstSeen: string;
  lastSeen: string;
  description: string;
  sampleFindingIds: number[];
  growths: number;
}

interface IncidentRow {
  id: string; rule: string; about: string; severity: string; findings: number; bucket_start: Date; bucket_end: Date;
  first_seen: Date; last_seen: Date; description: string; sample_finding_ids: string[]; growths: number;
}

const view = (r: IncidentRow): IncidentView => ({
  id: Number(r.id), rule: r.rule, about: r.about, severity: r.severity, findings: r.findings,
  bucketStart: r.bucket_start.toISOString(), bucketEnd: r.bucket_end.toISOString(),
  firstSeen: r.first_seen.toISOString(), lastSeen: r.last_seen.toISOString(), description: r.description,
  sampleFindingIds: r.sample_finding_ids.map(Number), growths: r.growths,
});

/**
 * The incidents a window contributed to, most severe first, then the largest; at most `limit`
 * (all when undefined), optionally only of `rule` and at or above the given severities.
 */
export async function topIncidentsInWindow(
  db: Db, window: Window, limit?: number, filter: { rule?: string; severities?: readonly string[] } = {},
): Promise<IncidentView[]> {
  const { rows } = await sql<IncidentRow>`
    select i.* from govflow.incidents i
    where i.id in (
      select f.incident_id from govflow.audit_findings f
      where f.occurred_at >= ${window.start}::timestamptz and f.occurred_at < ${window.end}::timestamptz
      union
      select v.incident_id from govflow.consent_violations v
      where v.occurred_at >= ${window.start}::timestamptz and v.occurred_at < ${window.end}::timestamptz)
      and (${filter.rule ?? null}::text is null or i.rule = ${filter.rule ?? null}::text)
      and i.severity = any(${[...(filter.severities ?? SEVERITIES)]}::text[])
    order by array_position(${[...SEVERITIES]}::text[], i.severity) desc, i.findings desc, i.first_seen, i.id
    limit ${limit ?? null}`.execute(db);
  return rows.map(view);
}
