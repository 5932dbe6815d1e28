import { sql, type Kysely } from 'kysely';

// Incidents: findings grouped by rule, by what the rule is about (a finding's `about`: the source
// address for brute force, principal + data category for RBAC, the person's pseudonym for
// consent) and by a time bucket the policy sets (policy.audit.incidents.bucket, default 1h).
// One row per (rule, about, bucket), upserted: a later run, late data or a stream batch that adds
// findings to a bucket updates its incident rather than adding one (audit/incidents.ts).
// Every contributing finding points at its incident (incident_id), so nothing is lost: the
// incident's findings are `select * from audit_findings where incident_id = $1` (or
// consent_violations). Pseudonyms, rule ids and configured names only: no raw identifiers.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.incidents (
      id                 bigserial primary key,
      rule               text not null,
      about              text not null,
      bucket_start       timestamptz not null,
      bucket_end         timestamptz not null,
      severity           text not null check (severity in ('low', 'medium', 'high', 'critical')),
      findings           integer not null,
      first_seen         timestamptz not null,
      last_seen          timestamptz not null,
      description        text not null,
      sample_finding_ids bigint[] not null,
      principal_key      text,
      growths            integer not null default 0,
      first_workflow_id  text not null,
      last_workflow_id   text not null,
      created_at         timestamptz not null default now(),
      updated_at         timestamptz not null default now(),
      unique (rule, about, bucket_start, bucket_end)
    )`.execute(db);
  await sql`create index incidents_time on govflow.incidents (bucket_start)`.execute(db);

  await sql`alter table govflow.audit_findings add column about text`.execute(db);
  await sql`alter table govflow.audit_findings add column incident_id bigint references govflow.incidents (id) on delete set null`.execute(db);
  await sql`create index audit_findings_incident on govflow.audit_findings (incident_id)`.execute(db);
  await sql`alter table govflow.consent_violations add column incident_id bigint references govflow.incidents (id) on delete set null`.execute(db);
  await sql`create index consent_violations_incident on govflow.consent_violations (incident_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.consent_violations drop column incident_id`.execute(db);
  await sql`alter table govflow.audit_findings drop column incident_id`.execute(db);
  await sql`alter table govflow.audit_findings drop column about`.execute(db);
  await sql`drop table govflow.incidents`.execute(db);
}
