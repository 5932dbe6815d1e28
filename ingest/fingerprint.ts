import { createHash } from 'node:crypto';
import { openContent } from './line-reader';

// A file's identity the way log shippers keep it: not its name (logrotate renames access.log to
// access.log.1, then compresses it to access.log.2.gz) and not a hash of its whole content (that
// changes with every appended line), but a hash of its first bytes — Filebeat's `fingerprint`
// file identity (sha256 of the first 1,024 bytes) and Vector's `checksum` fingerprint. Offsets
// and fingerprints are of the decompressed content, so a gzip rotation of a file already read
// has the same identity and the same offsets as the file it was.

/** How many leading bytes identify a file (Filebeat's `fingerprint.length` default). */
export const FINGERPRINT_BYTES = 1024;

export interface Fingerprint {
  /** sha256 (hex) of the first `bytes` bytes of the decompressed content. */
  hash: string;
  /** FINGERPRINT_BYTES, or fewer for a file shorter than that (see `fingerprintHead`). */
  bytes: number;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * The first `n` bytes of a file's (decompressed) content, fewer when it is shorter. A gzip that
 * ends early yields what it could decompress: reading the file reports the fault.
 */
export async function readHead(path: string, n = FINGERPRINT_BYTES): Promise<{ head: Buffer; gzip: boolean }> {
  const { stream, gzip } = await openContent(path);
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      got += chunk.length;
      if (got >= n) break;
    }
  } catch (err) {
    if (!gzip || got === 0) throw err;
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(parts).subarray(0, n), gzip };
}

/**
 * The fingerprint of a file whose first bytes are `head` (at most FINGERPRINT_BYTES).
 * A file at least that long: the hash of those bytes. A shorter one is fingerprinted by what of
 * it is final — its complete (newline-terminated) lines, or all of it when `final` (a compressed
 * file, or one that has stopped changing) — so that the identity never covers bytes a writer may
 * still change; a file that later grows past it is recognised by prefix (`matchesPrefix`).
 * Undefined when nothing is final yet (no complete line): such a file waits, as in Vector.
 */
export function fingerprintHead(head: Buffer, final: boolean): Fingerprint | undefined {
  if (head.length >= FINGERPRINT_BYTES) return { hash: sha256(head.subarray(0, FINGERPRINT_BYTES)), bytes: FINGERPRINT_BYTES };
  const upTo = final ? head.length : head.lastIndexOf(0x0a) + 1;
  if (upTo === 0) return undefined;
  return { hash: sha256(head.subarray(0, upTo)), bytes: upTo };
}

/** Whether a file starting with `head` begins with the bytes fingerprinted as `fp`. */
export function matchesPrefix(head: Buffer, fp: Fingerprint): boolean {
  return fp.bytes <= head.length && sha256(head.subarray(0, fp.bytes)) === fp.hash;
}
