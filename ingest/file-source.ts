import { stat } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { FileSourceConfig } from '../config/config';
import { FORMATS } from './formats';
import { readLines, DEFAULT_MAX_LINE_BYTES, type Line } from './line-reader';
import { readRecordBatches, type JsonRecordItem } from './json-records';
import { fingerprintHead, readHead } from './fingerprint';
import { eventIdPrefix, findOrCreateCursor, restartCursor, type FileCursor } from './cursors';
import { CopyRows, storable, storableText, suspectText } from './copy-text';
import { rowValues } from './tables';
import { parseLine } from './parse-line';
import { ChunkLoader, type Chunk, type RejectedLine } from './chunk-loader';
import type { RecordChecker } from './record-checkers';
import type { PartitionKeeper } from './partitions';

// One source file into Postgres, each byte range once: the file's cursor (govflow.ingested_files,
// keyed by the fingerprint of its first bytes, see ingest/fingerprint.ts) says how far it, or
// a copy of it under another name (a rotation, its .gz), has been read; reading resumes there.

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

/**
 * A last line without its newline may still be being written. It waits for the next run unless
 * the file is final: compressed, or unchanged for this long (a writer that ends its file without
 * a newline, or has stopped). Should the line grow after all, what is added is quarantined as a
 * continuation, never read as a line of its own.
 */
export const PARTIAL_LINE_SETTLE_MS = 5_000;

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

  let head: Buffer;
  let gzip: boolean;
  let modifiedMs: number;
  try {
    const st = await stat(path);
    result.bytes = st.size;
    modifiedMs = st.mtimeMs;
    ({ head, gzip } = await readHead(path));
  } catch (err) {
    return unreadable(deps, source, path, run, result, err, 0);
  }
  const final = gzip || Date.now() - modifiedMs >= PARTIAL_LINE_SETTLE_MS;
  const fp = fingerprintHead(head, final);
  if (!fp) return result; // empty, or its first line is still being written: nothing to read yet

  let cursor: FileCursor = await findOrCreateCursor(deps.db, source.name, path, head, fp, run.workflowId);
  if (!gzip && result.bytes < cursor.committed_offset) cursor = await restartCursor(deps.db, source.name, cursor);
  const where = sql`source = ${source.name} and fingerprint = ${cursor.fingerprint}`;
  // The file's totals so far; this pass adds to them (a retry resumes after the last committed chunk).
  result.records = Number(cursor.records);
  result.rejected = Number(cursor.rejected);
  result.duplicates = Number(cursor.duplicates);
  if (!gzip && result.bytes === Number(cursor.committed_offset)) return alreadyLoaded(deps, source, path, run, result, where);

  const afterPosition = Number(cursor.committed_position);
  const startOffset = Number(cursor.committed_offset);
  await sql`update govflow.ingested_files set status = 'loading', error = null, workflow_id = ${run.workflowId}, path = ${path}, bytes = ${result.bytes}
            where ${where}`.execute(deps.db);

  const format = FORMATS[source.format]!;
  const parser = format.create(source.options, source.kind);
  if (startOffset > 0 && parser.header) {
    // Reading resumes past the header line: the parser still needs it to name the columns.
    for await (const first of readLines(path)) {
      if ('text' in first) parseLine(parser, first.text, first.position);
      break;
    }
  }
  const idPrefix = eventIdPrefix(cursor);
  const client = await deps.pool.connect();
  const loader = new ChunkLoader(client, source.kind, source.name, path, run.workflowId);
  let copyRows = new CopyRows();
  let rejected: RejectedLine[] = [];
  let days = new Set<string>();
  let chunkRecords = 0;
  let newLines = 0;
  let lastLine: Line | JsonRecordItem | undefined;
  let inflight: Promise<void> = Promise.resolve();
  let loading = false; // a chunk is being loaded (inflight has not settled)

  /** A line's records into the chunk, or into quarantine with the reason. */
  const readLine = (line: (Line & { text: string }) | (JsonRecordItem & { text: string })) => {
    const parsed = parseLine(parser, line.text, line.position);
    if (parsed.ok === 'skip') {
      result.skipped[parsed.reason] = (result.skipped[parsed.reason] ?? 0) + 1;
      return;
    }
    if (parsed.ok === false) {
      reject(line.position, parsed.reason, line.text);
      return;
    }
    const many = parsed.objects.length > 1;
    const suspect = suspectText(line.text);
    for (let i = 0; i < parsed.objects.length; i++) {
      const checked = check(parsed.objects[i]);
      const unstorable = checked.ok && suspect ? storable(checked.record as unknown as Record<string, unknown>) : undefined;
      if (!checked.ok || unstorable) {
        const reason = checked.ok ? unstorable! : checked.reason;
        reject(line.position, many ? `record ${i + 1}: ${reason}` : reason, line.text);
        continue;
      }
      const r = checked.record;
      // Lines without an id are identified by their logical file and byte offset: stable
      // across runs, renames and compression, and distinct for identical lines (real logs
      // repeat lines that are nevertheless distinct events). A record of a JSON document is
      // identified by its index in the document instead. Made only for a record without an id
      // (rowValues takes the record's own first): most have one.
      const fallbackId = r.event_id == null ? `${idPrefix}:${'start' in line ? String(line.start) : `#${line.position}`}${many ? `:${i + 1}` : ''}` : '';
      const unstored = copyRows.tryAdd(rowValues(source.kind, r, { source: source.name, file: path, position: line.position, fallbackId }));
      if (unstored) {
        reject(line.position, many ? `record ${i + 1}: ${unstored}` : unstored, line.text);
        continue;
      }
      if (source.kind === 'access') days.add(String(r.occurred_at).slice(0, 10));
      chunkRecords += 1;
    }
  };

  const reject = (position: number, reason: string, raw: string) => {
    reason = storableText(reason);
    rejected.push({ position, reason, raw: storableText(raw.slice(0, RAW_LIMIT)) });
    const key = reasonKey(reason);
    result.rejectedByReason[key] = (result.rejectedByReason[key] ?? 0) + 1;
  };

  const flush = async () => {
    await inflight; // one chunk in flight: parsing the next overlaps loading this one
    if (!lastLine) return;
    if (source.kind === 'access') await partitions.ensure(days);
    const upTo = {
      offset: lastLine.endOffset, position: lastLine.position, unterminated: !lastLine.terminated, records: chunkRecords, rejected: rejected.length,
    };
    const chunk: Chunk = {
      rows: copyRows,
      rejected,
      commitWith: (c, inserted) =>
        c
          .query(
            `update govflow.ingested_files
               set committed_offset = $3, committed_position = $4, committed_unterminated = $5, records = records + $6,
                   rejected = rejected + $7, duplicates = duplicates + $8
             where source = $1 and fingerprint = $2`,
            [source.name, cursor.fingerprint, upTo.offset, upTo.position, upTo.unterminated, upTo.records, upTo.rejected, upTo.records - inserted],
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
    lastLine = undefined;
    const loaded = chunk.rows.count;
    loading = true;
    inflight = loader.load(chunk).then((n) => {
      chunk.rows.release(); // sent and committed: its Buffers serve the next chunks
      result.inserted += n;
      result.duplicates += loaded - n;
      progress({ file: path, bytes: at.bytes, totalBytes: result.bytes, records: at.records });
    });
    void inflight.finally(() => (loading = false)).catch(() => {});
    // Handled here so a failure while the next chunk is parsed is not an unhandled rejection;
    // the next `await inflight` still throws it.
    inflight.catch(() => {});
  };

  // A JSON document wrapping its records (a CloudTrail delivery) streams record by record, whatever
  // its size; everything else is read line by line. Both come in batches (one await each).
  const iterator = (
    await readRecordBatches(path, format, {
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      afterPosition,
      startOffset,
      midLine: cursor.committed_unterminated,
    })
  )[Symbol.asyncIterator]();
  let readError: unknown;
  try {
    reading: for (;;) {
      let next: IteratorResult<Array<Line | JsonRecordItem>>;
      try {
        next = await iterator.next();
      } catch (err) {
        readError = err;
        break;
      }
      if (next.done) break;
      for (const line of next.value) {
        if (!line.terminated && !final) break reading; // may still be being written: the next run reads it
        lastLine = line;
        newLines += 1;
        if ('problem' in line) {
          reject(line.position, 'reason' in line ? line.reason : PROBLEMS[line.problem], line.preview);
        } else if (line.text.trim() !== '') {
          readLine(line);
        }
        if (chunkRecords + rejected.length >= CHUNK_RECORDS) await flush();
      }
      // A batch of lines is parsed in one go, without a turn of the event loop (reading the
      // next batch mostly needs none either), and the chunk in flight is written to Postgres
      // only on such turns (the socket takes a few MB at a time): give it one after every
      // batch, or Postgres waits for the parse.
      if (loading) await setImmediate();
    }
    await flush();
    await inflight;
  } finally {
    await iterator.return?.(undefined).catch(() => {});
    client.release();
  }

  if (readError) {
    if (gzip && newLines === 0) {
      // A compressed copy that ends before what was read of its file (an incomplete copy): the
      // fault is reported with its path; the file's cursor and totals are not this copy's.
      await sql`update govflow.ingested_files set status = 'done', path = ${cursor.path} where ${where}`.execute(deps.db);
      const copy = { ...result, records: 0, rejected: 0, duplicates: 0 };
      return unreadable(deps, source, path, run, copy, readError, afterPosition + 1);
    }
    return unreadable(deps, source, path, run, result, readError, (lastLine?.position ?? afterPosition) + 1, where);
  }
  await sql`update govflow.ingested_files set status = 'done', finished_at = now() where ${where}`.execute(deps.db);
  if (newLines === 0) return alreadyLoaded(deps, source, path, run, result, where);
  return result;
}

const PROBLEMS = {
  oversized: `line longer than ${DEFAULT_MAX_LINE_BYTES} bytes`,
  encoding: 'not valid UTF-8',
  continuation: 'continuation of a line read before its newline was written',
} as const;

/** Nothing new in this file: its totals, and its quarantined lines counted as seen by this run. */
async function alreadyLoaded(
  deps: ActivityDeps,
  source: FileSourceConfig,
  path: string,
  run: RunRef,
  result: FileResult,
  where: ReturnType<typeof sql>,
): Promise<FileResult> {
  await sql`update govflow.ingested_files set status = 'done', finished_at = coalesce(finished_at, now()) where ${where} and status <> 'done'`.execute(deps.db);
  // The run's report counts this file's quarantined lines as seen by this run too.
  await sql`update govflow.rejected_records set last_workflow_id = ${run.workflowId}
            where source = ${source.name} and file = ${path}`.execute(deps.db);
  return { ...result, status: 'already-loaded' };
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
  cursor?: ReturnType<typeof sql>,
): Promise<FileResult> {
  const e = err as NodeJS.ErrnoException;
  const what = e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? '') ? 'truncated gzip' : 'unreadable file';
  const reason = `${what}: ${e.code ?? e.message}`;
  await sql`
    insert into govflow.rejected_records (source, file, position, reason, raw, first_workflow_id, last_workflow_id)
    values (${source.name}, ${path}, ${position}, ${reason}, null, ${run.workflowId}, ${run.workflowId})
    on conflict (source, file, position, reason) do update set last_workflow_id = excluded.last_workflow_id`.execute(deps.db);
  if (cursor) await sql`update govflow.ingested_files set status = 'failed', error = ${reason} where ${cursor}`.execute(deps.db);
  result.rejectedByReason[what] = (result.rejectedByReason[what] ?? 0) + 1;
  return { ...result, status: 'failed', rejected: result.rejected + 1, error: reason };
}
