import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

// Lines out of a file, streamed in constant memory, with what ingest needs to be exact about:
// each line's 1-based position, the byte offsets where it starts and ends (to resume by seeking,
// and to name a line without an id of its own), whether it ended with a newline, and the lines it
// cannot accept as text (too long, not UTF-8) flagged rather than thrown. Gzip is read
// transparently, recognised by its magic bytes rather than the file name; its offsets count
// decompressed bytes, so a file and its compressed rotation have the same offsets.

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** EF BB BF: a UTF-8 byte-order mark, which some Windows tools write before the first line. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

interface LineAt {
  position: number;
  /** Byte offset of the line's first byte in the (decompressed) file. */
  start: number;
  /** Byte offset just after the line and its newline. */
  endOffset: number;
  /** False for a last line that has no newline (yet): a writer may still be adding to it. */
  terminated: boolean;
}

export type Line =
  | (LineAt & { text: string })
  /**
   * oversized: longer than maxLineBytes; encoding: not UTF-8; continuation: the rest of a line
   * whose beginning was read, without its newline, by an earlier pass (see `midLine`).
   */
  | (LineAt & { problem: 'oversized' | 'encoding' | 'continuation'; preview: string });

export interface ReadLinesOptions {
  maxLineBytes?: number;
  /** Resume: the position of the last line already read (the next line is numbered after it). */
  afterPosition?: number;
  /** Resume at this byte offset (of the decompressed content for gzip, which is skipped to it). */
  startOffset?: number;
  /**
   * The earlier pass ended on a line without a newline: the bytes at startOffset up to the next
   * newline belong to that line. None (the newline came next) is silently consumed; anything else
   * is yielded as a `continuation` problem with the position of the line it continues.
   */
  midLine?: boolean;
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** A file's content as a stream from byte `start` (of the decompressed content, for gzip). */
export async function openContent(path: string, start = 0): Promise<{ stream: Readable; gzip: boolean; skip: number }> {
  const gzip = await isGzip(path);
  if (!gzip) return { stream: createReadStream(path, { start, highWaterMark: 1 << 20 }), gzip, skip: 0 };
  return { stream: createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip()), gzip, skip: start };
}

const BLOCK_BYTES = 1 << 20;

/**
 * A plain file's bytes from `start`, a block (up to 1 MiB) at a time, every block read into the
 * same Buffer: a block must be done with before the next is asked for. A read stream allocates a
 * new Buffer per block, and under a bounded heap V8's full collections kept pace with those
 * hundreds of MB of short-lived external memory per million lines.
 */
async function* fileBlocks(path: string, start: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(BLOCK_BYTES);
    let at = start;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead === 0) return;
      at += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer): string | undefined {
  // Fast path: toString never throws; only when it had to substitute do we check strictly
  // (a genuine U+FFFD in the input is valid UTF-8 and must pass).
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Yields the file's lines from `startOffset`. A UTF-8 byte-order mark at offset 0 is not part of
 * the first line (RFC 3629 §6: it is a signature, not content), whatever the format. Throws what
 * the file system or gunzip throws (a truncated gzip: "unexpected end of file") after yielding
 * the lines before the fault.
 */
export async function* readLines(path: string, opts: ReadLinesOptions = {}): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(path, opts)) yield* batch;
}

/**
 * Lines per batch at most. A batch's lines are decoded before its first is used: the fewer they
 * are, the less of them a young-generation collection finds alive and copies (512 against a
 * whole 1 MiB block, ~2,700 lines: 5–10% less CPU in the ingest thread at 300k events, and the
 * chunk in flight gets an event-loop turn more often, see ingest/file-source.ts).
 */
const BATCH_LINES = 512;

/**
 * `readLines`, a batch at a time: up to BATCH_LINES lines, in order, never empty. Ingest reads
 * this way: one await per batch instead of one per line (each costs promises, and async hooks
 * under Temporal's activity context), which was ~8% of ingest's CPU at 1M events.
 */
export async function* readLineBatches(path: string, opts: ReadLinesOptions = {}): AsyncGenerator<Line[]> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const from = opts.startOffset ?? 0;
  // A plain file is read into one Buffer, again and again (fileBlocks); gzip through a stream.
  const gzip = await isGzip(path);
  const blocks: AsyncIterable<Buffer> = gzip ? ((await openContent(path, from)).stream as AsyncIterable<Buffer>) : fileBlocks(path, from);
  let toSkip = gzip ? from : 0; // gzip: decompressed bytes before `from`, read and dropped

  let position = opts.afterPosition ?? 0;
  let midLine = opts.midLine ?? false;
  let offset = from;
  let lineStart = from;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let preview = '';
  let batch: Line[] = [];

  const emit = (bytes: Buffer | null, end: number, terminated: boolean): Line | undefined => {
    const at = { start: lineStart, endOffset: end, terminated };
    lineStart = end;
    if (midLine) {
      midLine = false;
      if (!oversized && bytes!.length === 0) return undefined; // the newline the last pass lacked
      return { position, ...at, problem: 'continuation', preview: oversized ? preview : bytes!.subarray(0, 200).toString('utf8') };
    }
    position += 1;
    if (oversized) return { position, ...at, problem: 'oversized', preview };
    let buf = bytes!;
    if (at.start === 0 && buf.subarray(0, 3).equals(BOM)) buf = buf.subarray(3);
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const text = decode(buf);
    if (text === undefined) return { position, ...at, problem: 'encoding', preview: buf.toString('latin1').slice(0, 200) };
    return { position, ...at, text };
  };

  for await (let chunk of blocks) {
    if (toSkip > 0) {
      if (chunk.length <= toSkip) {
        toSkip -= chunk.length;
        continue;
      }
      chunk = chunk.subarray(toSkip);
      toSkip = 0;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!oversized) {
        if (pendingBytes + piece.length > max) {
          // Keep a preview for the quarantine and drop the rest: memory stays bounded.
          preview = Buffer.concat([...pending, piece]).subarray(0, 200).toString('utf8');
          oversized = true;
          pending = [];
          pendingBytes = 0;
        } else if (piece.length) {
          // A line's start at the end of a block outlives the block, whose Buffer the next block
          // refills: keep a copy of it (a plain file; gzip's blocks are Buffers of their own).
          pending.push(nl === -1 && !gzip ? Buffer.from(piece) : piece);
          pendingBytes += piece.length;
        }
      }
      if (nl === -1) {
        offset += chunk.length - start;
        break;
      }
      offset += nl - start + 1;
      const line = emit(oversized ? null : pending.length === 1 ? pending[0]! : Buffer.concat(pending), offset, true);
      pending = [];
      pendingBytes = 0;
      oversized = false;
      if (line) batch.push(line);
      if (batch.length === BATCH_LINES) {
        yield batch;
        batch = [];
      }
      start = nl + 1;
    }
    if (batch.length) {
      yield batch;
      batch = [];
    }
  }
  // A last line without a trailing newline is still a line; the caller decides whether to wait.
  if (pendingBytes > 0 || oversized) {
    const line = emit(oversized ? null : Buffer.concat(pending), offset, false);
    if (line) yield [line];
  }
}
