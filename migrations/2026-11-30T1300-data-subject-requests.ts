import { sql, type Kysely } from 'kysely';

// Data-subject requests served end to end (issue 16, item 2):
//  - subject_erasures learns where a request came from (origin: the `govflow erase` command or a
//    consent withdrawal queued by the consent step), which purpose it is limited to (null: the
//    whole person) and when it is due (requested_at + the policy's dataSubjectRequests.erasureWithin);
//  - erasure_requests (the consent step's queue) points at the subject_erasures row that answers it;
//  - erasure_receipts record the purpose, the due date and the policy they were carried out under;
//  - access_requests: right of access (GDPR Art. 15). The raw id is kept only until the export is
//    made (like subject_erasures.subject_id); the manifest and the export's path and hash stay.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table govflow.subject_erasures
      add column origin  text not null default 'command' check (origin in ('command', 'consent')),
      add column purpose text,
      add column due_at  timestamptz`.execute(db);
  await sql`
    alter table govflow.erasure_requests
      add column subject_erasure_id bigint references govflow.subject_erasures`.execute(db);
  await sql`
    alter table govflow.erasure_receipts
      add column purpose     text,
      add column due_at      timestamptz,
      add column policy_hash text`.execute(db);
  await sql`
    create table govflow.access_requests (
      id            bigserial primary key,
      subject_ref   text not null,
      -- The raw id, needed to find the person's raw rows; cleared when the export is made.
      subject_id    text,
      requested_by  text not null,
      requested_at  timestamptz not null default now(),
      due_at        timestamptz,
      -- A folder named with --out; null: the config's dataSubjectRequests.accessExportDir.
      export_dir    text,
      status        text not null default 'pending' check (status in ('pending', 'completed')),
      completed_at  timestamptz,
      workflow_id   text,
      export_path   text,
      export_sha256 text,
      manifest      jsonb
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.access_requests`.execute(db);
  await sql`alter table govflow.erasure_receipts drop column purpose, drop column due_at, drop column policy_hash`.execute(db);
  await sql`alter table govflow.erasure_requests drop column subject_erasure_id`.execute(db);
  await sql`alter table govflow.subject_erasures drop column origin, drop column purpose, drop column due_at`.execute(db);
}
