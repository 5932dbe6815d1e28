import { sql, type Kysely } from 'kysely';

// Files are tracked the way log shippers track them (Filebeat's fingerprint identity, Vector's
// checksum fingerprint): by a hash of their first bytes plus the byte offset committed so far,
// not by a hash of their whole content. An appended file then resumes at its offset, and a
// renamed or compressed rotation of a file already read is recognised as that file.
//
// Rows from before keep their content hash as history: their fingerprint is the marker
// 'content:<sha256>' with fingerprint_bytes 0, which no file's fingerprint equals; ingest looks a
// file up among them by its content hash once, when no fingerprint matches (see
// ingest/cursors.ts), so an upgrade does not load a file twice.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table govflow.ingested_files
      add column fingerprint text,
      add column fingerprint_bytes integer not null default 0,
      -- Bumped when a file with this fingerprint turns out shorter than what was read of it
      -- (truncated and rewritten): a new logical file, whose id-less events must not collide.
      add column generation integer not null default 0,
      -- The committed offset ends inside a line that had no newline yet.
      add column committed_unterminated boolean not null default false,
      -- Names the logical file in the ids of its events that carry none (the first fingerprint it
      -- had: a short file's fingerprint is extended as it grows, its events keep their ids).
      add column file_id text`.execute(db);
  await sql`update govflow.ingested_files set fingerprint = 'content:' || content_hash, file_id = left(content_hash, 16)`.execute(db);
  await sql`alter table govflow.ingested_files alter column fingerprint set not null, alter column file_id set not null`.execute(db);
  await sql`alter table govflow.ingested_files drop constraint ingested_files_pkey`.execute(db);
  await sql`alter table govflow.ingested_files alter column content_hash drop not null`.execute(db);
  await sql`alter table govflow.ingested_files add primary key (source, fingerprint)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from govflow.ingested_files where content_hash is null`.execute(db);
  await sql`alter table govflow.ingested_files drop constraint ingested_files_pkey`.execute(db);
  await sql`alter table govflow.ingested_files alter column content_hash set not null`.execute(db);
  await sql`alter table govflow.ingested_files add primary key (source, content_hash)`.execute(db);
  await sql`
    alter table govflow.ingested_files
      drop column fingerprint, drop column fingerprint_bytes, drop column generation, drop column committed_unterminated, drop column file_id`.execute(db);
}
