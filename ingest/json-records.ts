import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { readHead } from './fingerprint';
import { isGzip, readLineBatches, type Line, type ReadLinesOptions } from './line-reader';

// Records out of a JSON document that wraps them in one array, e.g. a CloudTrail delivery
// ({"Records": [...]}, written by CloudTrail on ONE line of any size: busy accounts deliver tens of
// MB per 5-minute file). A streaming parser (@streamparser/json) hands out each element of the
// array as soon as it is complete and forgets it, so memory is bounded by the largest record, not
// the file; the per-line size limit of line formats does not apply. Pretty-printed documents,
// several documents one after another, and gzip (recognised by magic bytes) all read the same.

/**
 * One element of the records array: its 1-based index in the file is its position. An element is
 * complete when handed out, so it is always `terminated` (the line reader's word for a line whose
 * newline was written).
 */
export type JsonRecordItem =
  | { position: number; endOffset: number; terminated: true; text: string }
  /** The document stops being JSON here: what came before is read, nothing after it can be. */
  | { position: number; endOffset: number; terminated: true; problem: 'malformed'; reason: string; preview: string };

const SNIFF_BYTES = 64 * 1024;

/** The file's first bytes as text (decompressed when it is gzip), without a UTF-8 byte-order mark. */
async function head(path: string, bytes: number): Promise<string> {
  const { head: first } = await readHead(path, bytes);
  return first.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Whether the file is a JSON document whose first member is the records array `key`
 * (CloudTrail: `{"Records": [`, however it is spaced or indented) rather than JSON lines.
 * CloudTrail always writes `Records` as the object's only member (AWS CloudTrail User Guide,
 * "CloudTrail log file examples"). Reads at most the first 64 KiB; never throws for content.
 */
export async function isJsonRecordsDocument(path: string, key: string): Promise<boolean> {
  const text = await head(path, SNIFF_BYTES);
  const quoted = JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*\\{\\s*${quoted}\\s*:\\s*\\[`).test(text);
}

export interface ReadJsonRecordsOptions {
  /** Resume: skip the records up to this position. */
  afterPosition?: number;
}

/**
 * Streams the elements of `document[key]` (for every document in the file, in order) as JSON text,
 * one item per element, each with its 1-based index in the file as `position`. An element that is
 * not an object is still handed out: the format quarantines it on its own. Invalid JSON ends the
 * stream with one `malformed` item (the records before it stay read). A read error (missing file,
 * truncated gzip) is thrown, as readLines does, so the caller reports the file.
 */
export async function* readJsonRecords(path: string, key: string, opts: ReadJsonRecordsOptions = {}): AsyncGenerator<JsonRecordItem> {
  for await (const batch of readJsonRecordBatches(path, key, opts)) yield* batch;
}

/** `readJsonRecords`, a batch at a time: the elements completed by one block of the file, never empty. */
export async function* readJsonRecordBatches(path: string, key: string, opts: ReadJsonRecordsOptions = {}): AsyncGenerator<JsonRecordItem[]> {
  const skipUntil = opts.afterPosition ?? 0;
  let stream: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  if (await isGzip(path)) stream = stream.pipe(createGunzip());

  // `keepStack: false` drops each element from its parent once handed out; `separator: ''`
  // accepts several documents in one file (deliveries concatenated by a copy tool).
  const parser = new JSONParser({ paths: [`$.${key}.*`], keepStack: false, separator: '' });
  let position = 0;
  let offset = 0;
  let ready: JsonRecordItem[] = [];
  let failure: Error | undefined;
  parser.onValue = ({ value }) => {
    position += 1;
    if (position > skipUntil) ready.push({ position, endOffset: offset, terminated: true, text: JSON.stringify(value) ?? 'null' });
  };
  parser.onError = (err) => {
    failure ??= err;
  };

  const malformed = (err: Error): JsonRecordItem => ({
    position: position + 1,
    endOffset: offset,
    terminated: true,
    problem: 'malformed',
    reason: `malformed JSON document after record ${position}: the rest of the file cannot be read (${err.message.slice(0, 120)})`,
    preview: '',
  });

  try {
    for await (let chunk of stream as AsyncIterable<Buffer>) {
      // A UTF-8 byte-order mark (some copy tools add one) is not part of the JSON text.
      if (offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        offset += 3;
        chunk = chunk.subarray(3);
      }
      offset += chunk.length;
      try {
        parser.write(chunk);
      } catch (err) {
        failure ??= err as Error;
      }
      const out = ready;
      ready = [];
      if (failure) out.push(malformed(failure));
      if (out.length) yield out;
      if (failure) return;
    }
    if (!parser.isEnded) {
      try {
        parser.end();
      } catch (err) {
        failure ??= err as Error;
      }
    }
    const out = ready;
    ready = [];
    if (failure) out.push(malformed(failure));
    if (out.length) yield out;
  } finally {
    stream.destroy();
  }
}

/**
 * The records of one source file as its format reads them: a JSON records document (when the
 * format names a records key and the file is such a document) streams element by element; any
 * other file is read line by line (readLines, with its per-line limits and resume by offset).
 */
export async function readRecords(
  path: string,
  format: { jsonRecords?: string },
  lineOptions: ReadLinesOptions = {},
): Promise<AsyncGenerator<Line | JsonRecordItem>> {
  const batches = await readRecordBatches(path, format, lineOptions);
  return (async function* () {
    for await (const batch of batches) yield* batch;
  })();
}

/** `readRecords`, a batch at a time (readLineBatches, readJsonRecordBatches): what ingest reads. */
export async function readRecordBatches(
  path: string,
  format: { jsonRecords?: string },
  lineOptions: ReadLinesOptions = {},
): Promise<AsyncGenerator<Array<Line | JsonRecordItem>>> {
  if (format.jsonRecords && (await isJsonRecordsDocument(path, format.jsonRecords).catch(() => false))) {
    return readJsonRecordBatches(path, format.jsonRecords, { afterPosition: lineOptions.afterPosition });
  }
  return readLineBatches(path, lineOptions);
}
