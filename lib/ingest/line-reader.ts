import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

// Lines out of a file, streamed in constant memory, with what ingest needs to be exact about:
// each line's 1-based position, the byte offset after it (to resume a plain file by seeking),
// and the lines it cannot accept as text (too long, not UTF-8) flagged rather than thrown.
// Gzip is read transparently, recognised by its magic bytes rather than the file name.

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export type Line =
  | { position: number; endOffset: number; text: string }
  | { position: number; endOffset: number; problem: 'oversized' | 'encoding'; preview: string };

export interface ReadLinesOptions {
  maxLineBytes?: number;
  /** Resume: skip lines up to this position. */
  afterPosition?: number;
  /** Resume a plain file by seeking here first (the endOffset of line `afterPosition`). */
  startOffset?: number;
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

export async function* readLines(path: string, opts: ReadLinesOptions = {}): AsyncGenerator<Line> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const gz = await isGzip(path);
  // Offsets count decompressed bytes for gzip; seeking is only possible in plain files.
  const seek = !gz && opts.startOffset ? opts.startOffset : 0;
  let stream: Readable = createReadStream(path, { start: seek, highWaterMark: 1 << 20 });
  if (gz) stream = stream.pipe(createGunzip());

  let position = seek ? (opts.afterPosition ?? 0) : 0;
  const skipUntil = opts.afterPosition ?? 0;
  let offset = seek;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let preview = '';

  const emit = (bytes: Buffer | null, end: number): Line | undefined => {
    position += 1;
    if (position <= skipUntil) return undefined;
    if (oversized) return { position, endOffset: end, problem: 'oversized', preview };
    let buf = bytes!;
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const text = decode(buf);
    if (text === undefined) return { position, endOffset: end, problem: 'encoding', preview: buf.toString('latin1').slice(0, 200) };
    return { position, endOffset: end, text };
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
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
          pending.push(piece);
          pendingBytes += piece.length;
        }
      }
      if (nl === -1) {
        offset += chunk.length - start;
        break;
      }
      offset += nl - start + 1;
      const line = emit(oversized ? null : pending.length === 1 ? pending[0]! : Buffer.concat(pending), offset);
      pending = [];
      pendingBytes = 0;
      oversized = false;
      if (line) yield line;
      start = nl + 1;
    }
  }
  // A last line without a trailing newline is still a line.
  if (pendingBytes > 0 || oversized) {
    const line = emit(oversized ? null : Buffer.concat(pending), offset);
    if (line) yield line;
  }
}
