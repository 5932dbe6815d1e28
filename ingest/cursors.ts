import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { FINGERPRINT_BYTES, matchesPrefix, type Fingerprint } from './fingerprint';

// A logical file's read cursor in govflow.ingested_files: its fingerprint and how far it has been
// read (committed byte offset and line position, committed with each chunk of rows). Whatever the
// file is called now — access.log, access.log.1, access.log.2.gz — the same fingerprint finds the
// same cursor, so each byte range is loaded once.

export interface FileCursor {
  /** The file last read through this cursor. */
  path: string;
  fingerprint: string;
  fingerprint_bytes: number;
  file_id: string;
  generation: number;
  committed_offset: number;
  committed_position: number;
  committed_unterminated: boolean;
  records: number;
  rejected: number;
  duplicates: number;
  status: string;
}

const COLUMNS = sql`path, fingerprint, fingerprint_bytes, file_id, generation, committed_offset, committed_position,
  committed_unterminated, records, rejected, duplicates, status`;

/**
 * The cursor of the logical file whose first bytes are `head` and fingerprint `fp`, made when the
 * file is new. Looked up, in order: the same full-length fingerprint; a shorter fingerprint that
 * `head` begins with (a short file that has grown since; the longest such wins, and its
 * fingerprint is extended to `fp` so that it stops matching other files that merely share the
 * short beginning — its file_id, which names its events, stays); a row from before fingerprints
 * whose whole-content hash equals this file's (read once per file on an upgrade).
 */
export async function findOrCreateCursor(
  db: Kysely<any>,
  source: string,
  path: string,
  head: Buffer,
  fp: Fingerprint,
  workflowId: string,
): Promise<FileCursor> {
  const exact = await sql<FileCursor>`select ${COLUMNS} from govflow.ingested_files
    where source = ${source} and fingerprint = ${fp.hash}`.execute(db);
  if (exact.rows[0]) return exact.rows[0];

  const shorter = await sql<FileCursor>`select ${COLUMNS} from govflow.ingested_files
    where source = ${source} and fingerprint_bytes > 0 and fingerprint_bytes < ${Math.min(fp.bytes, FINGERPRINT_BYTES)}
    order by fingerprint_bytes desc`.execute(db);
  const grown = shorter.rows.find((c) => matchesPrefix(head, { hash: c.fingerprint, bytes: c.fingerprint_bytes }));
  if (grown) {
    await sql`update govflow.ingested_files set fingerprint = ${fp.hash}, fingerprint_bytes = ${fp.bytes}
      where source = ${source} and fingerprint = ${grown.fingerprint}`.execute(db);
    return { ...grown, fingerprint: fp.hash, fingerprint_bytes: fp.bytes };
  }

  const legacy = await adoptLegacy(db, source, path, fp);
  if (legacy) return legacy;

  await sql`insert into govflow.ingested_files (fingerprint, fingerprint_bytes, file_id, source, path, bytes, workflow_id)
    values (${fp.hash}, ${fp.bytes}, ${fp.hash.slice(0, 16)}, ${source}, ${path}, 0, ${workflowId})
    on conflict (source, fingerprint) do nothing`.execute(db);
  const made = await sql<FileCursor>`select ${COLUMNS} from govflow.ingested_files
    where source = ${source} and fingerprint = ${fp.hash}`.execute(db);
  return made.rows[0]!;
}

/** A manifest row from before fingerprints (keyed by the file's sha256) becomes this file's cursor. */
async function adoptLegacy(db: Kysely<any>, source: string, path: string, fp: Fingerprint): Promise<FileCursor | undefined> {
  const any = await sql`select 1 from govflow.ingested_files where source = ${source} and fingerprint_bytes = 0 limit 1`.execute(db);
  if (any.rows.length === 0) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const adopted = await sql<FileCursor>`update govflow.ingested_files set fingerprint = ${fp.hash}, fingerprint_bytes = ${fp.bytes}
    where source = ${source} and fingerprint = ${`content:${hash.digest('hex')}`}
    returning ${COLUMNS}`.execute(db);
  return adopted.rows[0];
}

/**
 * The file is shorter than what was committed of it: it was truncated and written anew
 * (copytruncate, or an editor), so it is a new logical file — read from the start, its events
 * named by a new generation so they cannot be taken for the old file's.
 */
export async function restartCursor(db: Kysely<any>, source: string, cursor: FileCursor): Promise<FileCursor> {
  const r = await sql<FileCursor>`update govflow.ingested_files
    set generation = generation + 1, committed_offset = 0, committed_position = 0, committed_unterminated = false,
        records = 0, rejected = 0, duplicates = 0, status = 'loading'
    where source = ${source} and fingerprint = ${cursor.fingerprint}
    returning ${COLUMNS}`.execute(db);
  return r.rows[0]!;
}

/** The prefix of the ids of this logical file's events that carry none: `<prefix>:<byte offset>`. */
export function eventIdPrefix(cursor: FileCursor): string {
  return cursor.generation ? `${cursor.file_id}.g${cursor.generation}` : cursor.file_id;
}
