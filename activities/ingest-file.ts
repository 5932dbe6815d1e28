import { stat } from 'node:fs/promises';
import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { FileSourceConfig } from '../lib/config';
import { FORMATS } from '../lib/parsers';
import { hashFile } from '../lib/file-hash';
import { DEFAULT_MAX_LINE_BYTES, type Line } from '../lib/ingest/line-reader';
import { readRecords, type JsonRecordItem } from '../lib/ingest/json-records';
import { CopyRows } from '../lib/ingest/copy-text';
import { rowValues } from '../lib/ingest/tables';
import { ChunkLoader, type Chunk, type RejectedLine } from './chunk-loader';
import type { RecordChecker } from './record-checkers';
import type { PartitionKeeper } from './partitions';

// One source file into Postgres, exactly once: the manifest (govflow.ingested_files, keyed by the
// file's content hash) says whether it was loaded already, or how far a previous attempt got.

const CHUNK_RECORDS = 25_000;
const RAW_LIMIT = 2000; // quarantined text is truncated: enough to diagnose, not a second copy

export interface FileResult {
  file: string;
  status: 'loaded' | 'already-loaded' | 'failed';
  records: number;
  rejected: number;
  inserted: number;
  /** Records whose event id was already loaded (from this file or another): accounted, not stored twice. */
  duplicates: number;
  bytes: number;
  skipped: Record<string, number>;
  rejectedByReason: Record<string, number>;
  error?: string;
}

export interface FileProgress {
  file: string;
  bytes: number;
  totalBytes: number;
  records: number;
}

interface ManifestRow {
  status: string;
  records: number;
  rejected: number;
  duplicates: number;
  committed_offset: number;
  committed_position: number;
}

/** Rejection reasons grouped for reporting: "record 3: missing field" counts as "missing field". */
function reasonKey(reason: string): string {
  return reason.replace(/^record \d+: /, '').replace(/"[^"]*"/g, (m) => (m.length > 40 ? '"…"' : m));
}

export async function ingestFile(
  deps: ActivityDeps,
  source: FileSourceConfig,
  path: string,
  run: RunRef,
  check: RecordChecker,
  partitions: PartitionKeeper,
  progress: (p: FileProgress) => void,
): Promise<FileResult> {
  const result: FileResult = { file: path, status: 'loaded', records: 0, rejected: 0, inserted: 0, duplicates: 0, bytes: 0, skipped: {}, rejectedByReason: {} };

  let contentHash: string;
  try {
    result.bytes = (await stat(path)).size;
    contentHash = await hashFile(path);
  } catch (err) {
    return unreadable(deps, source, path, run, result, err, 0);
  }

  await sql`
    insert into govflow.ingested_files (content_hash, source, path, bytes, workflow_id)
    values (${contentHash}, ${source.name}, ${path}, ${result.bytes}, ${run.workflowId})
    on conflict (source, content_hash) do nothing`.execute(deps.db);
  const { rows } = await sql<ManifestRow>`
    select status, records, rejected, duplicates, committed_offset, committed_position from govflow.ingested_files
    where source = ${source.name} and content_hash = ${contentHash}`.execute(deps.db);
  const manifest = rows[0]!;
  if (manifest.status === 'done') {
    // The run's report counts this file's quarantined lines as seen by this run too.
    await sql`update govflow.rejected_records set last_workflow_id = ${run.workflowId}
              where source = ${source.name} and file = ${path}`.execute(deps.db);
    return { ...result, status: 'already-loaded', records: Number(manifest.records), rejected: Number(manifest.rejected), duplicates: Number(manifest.duplicates) };
  }
  // Resume after the last committed chunk of an earlier attempt (a crash, a retry).
  result.records = Number(manifest.records);
  result.rejected = Number(manifest.rejected);
  result.duplicates = Number(manifest.duplicates);
  const afterPosition = Number(manifest.committed_position);
  await sql`update govflow.ingested_files set status = 'loading', error = null, workflow_id = ${run.workflowId}, path = ${path}
            where source = ${source.name} and content_hash = ${contentHash}`.execute(deps.db);

  const format = FORMATS[source.format]!;
  const parser = format.create(source.options, source.kind);
  const idPrefix = contentHash.slice(0, 16);
  const client = await deps.pool.connect();
  const loader = new ChunkLoader(client, source.kind, source.name, path, run.workflowId);
  let copyRows = new CopyRows();
  let rejected: RejectedLine[] = [];
  let days = new Set<string>();
  let chunkRecords = 0;
  let lastLine: Line | JsonRecordItem | undefined;
  let inflight: Promise<void> = Promise.resolve();

  const reject = (position: number, reason: string, raw: string) => {
    rejected.push({ position, reason, raw: raw.slice(0, RAW_LIMIT) });
    const key = reasonKey(reason);
    result.rejectedByReason[key] = (result.rejectedByReason[key] ?? 0) + 1;
  };

  const flush = async () => {
    await inflight; // one chunk in flight: parsing the next overlaps loading this one
    if (!lastLine) return;
    if (source.kind === 'access') await partitions.ensure(days);
    const upTo = { offset: lastLine.endOffset, position: lastLine.position, records: chunkRecords, rejected: rejected.length };
    const chunk: Chunk = {
      rows: copyRows,
      rejected,
      commitWith: (c, inserted) =>
        c
          .query(
            `update govflow.ingested_files
               set committed_offset = $3, committed_position = $4, records = records + $5, rejected = rejected + $6,
                   duplicates = duplicates + $7
             where source = $1 and content_hash = $2`,
            [source.name, contentHash, upTo.offset, upTo.position, upTo.records, upTo.rejected, upTo.records - inserted],
          )
          .then(() => undefined),
    };
    result.records += chunkRecords;
    result.rejected += rejected.length;
    const at = { bytes: lastLine.endOffset, records: result.records };
    copyRows = new CopyRows();
    rejected = [];
    days = new Set();
    chunkRecords = 0;
    const loaded = chunk.rows.count;
    inflight = loader.load(chunk).then((n) => {
      result.inserted += n;
      result.duplicates += loaded - n;
      progress({ file: path, bytes: at.bytes, totalBytes: result.bytes, records: at.records });
    });
    // Handled here so a failure while the next chunk is parsed is not an unhandled rejection;
    // the next `await inflight` still throws it.
    inflight.catch(() => {});
  };

  // A JSON document wrapping its records (a CloudTrail delivery) streams record by record, whatever
  // its size; everything else is read line by line.
  const records = await readRecords(path, format, { maxLineBytes: DEFAULT_MAX_LINE_BYTES, afterPosition, startOffset: Number(manifest.committed_offset) });
  const iterator = records[Symbol.asyncIterator]();
  let readError: unknown;
  try {
    for (;;) {
      let next: IteratorResult<Line | JsonRecordItem>;
      try {
        next = await iterator.next();
      } catch (err) {
        readError = err;
        break;
      }
      if (next.done) break;
      const line = next.value;
      lastLine = line;
      if ('problem' in line) {
        const reason = 'reason' in line ? line.reason : line.problem === 'oversized' ? `line longer than ${DEFAULT_MAX_LINE_BYTES} bytes` : 'not valid UTF-8';
        reject(line.position, reason, line.preview);
      } else if (line.text.trim() !== '') {
        const parsed = parser.parse(line.text, line.position);
        if (parsed.ok === 'skip') {
          result.skipped[parsed.reason] = (result.skipped[parsed.reason] ?? 0) + 1;
        } else if (parsed.ok === false) {
          reject(line.position, parsed.reason, line.text);
        } else {
          const many = parsed.objects.length > 1;
          parsed.objects.forEach((obj, i) => {
            const checked = check(obj);
            if (!checked.ok) {
              reject(line.position, many ? `record ${i + 1}: ${checked.reason}` : checked.reason, line.text);
              return;
            }
            const r = checked.record;
            // Lines without an id are identified by the file's content and their position:
            // real logs repeat identical lines that are nevertheless distinct events.
            const fallbackId = `${idPrefix}:${line.position}${many ? `:${i + 1}` : ''}`;
            copyRows.add(rowValues(source.kind, r, { source: source.name, file: path, position: line.position, fallbackId }));
            if (source.kind === 'access') days.add(String(r.occurred_at).slice(0, 10));
            chunkRecords += 1;
          });
        }
      }
      if (chunkRecords + rejected.length >= CHUNK_RECORDS) await flush();
    }
    await flush();
    await inflight;
  } finally {
    client.release();
  }

  if (readError) return unreadable(deps, source, path, run, result, readError, (lastLine?.position ?? afterPosition) + 1, contentHash);
  await sql`update govflow.ingested_files set status = 'done', finished_at = now()
            where source = ${source.name} and content_hash = ${contentHash}`.execute(deps.db);
  return result;
}

/**
 * A file that cannot be read to its end (missing, no permission, a truncated gzip): what was read
 * before the fault stays loaded, the fault itself is quarantined with the file's path, and the
 * other sources go on.
 */
async function unreadable(
  deps: ActivityDeps,
  source: FileSourceConfig,
  path: string,
  run: RunRef,
  result: FileResult,
  err: unknown,
  position: number,
  contentHash?: string,
): Promise<FileResult> {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? '') ? 'truncated gzip' : 'unreadable file';
  const reason = `${what}: ${e.code ?? e.message}`;
  await sql`
    insert into govflow.rejected_records (source, file, position, reason, raw, first_workflow_id, last_workflow_id)
    values (${source.name}, ${path}, ${position}, ${reason}, null, ${run.workflowId}, ${run.workflowId})
    on conflict (source, file, position, reason) do update set last_workflow_id = excluded.last_workflow_id`.execute(deps.db);
  if (contentHash) {
    await sql`update govflow.ingested_files set status = 'failed', error = ${reason}
              where source = ${source.name} and content_hash = ${contentHash}`.execute(deps.db);
  }
  result.rejectedByReason[what] = (result.rejectedByReason[what] ?? 0) + 1;
  return { ...result, status: 'failed', rejected: result.rejected + 1, error: reason };
}
