// Rows for `COPY … FROM STDIN` in PostgreSQL's text format: tab-separated, \N for NULL, and
// backslash, tab, newline and carriage return escaped. Pure, so it is unit-tested on its own.

const SPECIAL = /[\\\t\n\r]/;

export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

export function copyLine(values: readonly unknown[]): string {
  // A loop, not map/join: this runs for every column of every record.
  let line = copyValue(values[0]);
  for (let i = 1; i < values.length; i++) line += `\t${copyValue(values[i])}`;
  return `${line}\n`;
}

/** The first piece of a chunk's COPY text; each next one doubles, up to PIECE_BYTES. */
const FIRST_PIECE_BYTES = 64 * 1024;
const PIECE_BYTES = 1 << 20;

/**
 * Full-size pieces whose rows were sent (CopyRows.release), reused by the next chunks. A chunk of
 * 25,000 access rows is ~9 MB of COPY text; allocating it anew for every chunk made V8 count
 * hundreds of MB of external memory per million rows, and under a bounded heap that alone
 * triggered full (mark-compact) collections. At most MAX_SPARE pieces are kept: two chunks' worth.
 */
const SPARE: Buffer[] = [];
const MAX_SPARE = 24;

/**
 * A chunk's rows as COPY text, encoded as UTF-8 into Buffers of up to 1 MiB as they are added.
 * Each line is written out the moment it is made, so the line's many small strings (its values,
 * the concatenation tree) die young, in V8's nursery, and the chunk itself lives outside the
 * JavaScript heap: nothing of a record survives the next scavenge, which keeps ingest's memory
 * flat and the GC's work small under a bounded heap (--max-old-space-size=256). The Buffers are
 * what the COPY socket takes, with no conversion when the chunk is sent.
 *
 * (Before: lines were joined into 1,000-row strings. Those lines lived until the join, long
 * enough to be promoted under a small nursery, and the join, then Buffer.from at send time, each
 * walked the text again; the join alone was ~6% of ingest's CPU in a profile at 1M events.)
 */
export class CopyRows {
  count = 0;
  private pieces: Buffer[] = [];
  private buf: Buffer | undefined;
  private used = 0;
  /** The full-size Buffers the pieces are cut from, to hand back to SPARE once sent. */
  private owned: Buffer[] = [];

  add(values: readonly unknown[]): void {
    this.write(copyLine(values));
    this.count += 1;
  }

  /**
   * `add`, or the reason the row cannot be stored: a value nested so deeply (thousands of levels,
   * as only a hostile or broken producer writes) that serialising it exhausts the stack.
   */
  tryAdd(values: readonly unknown[]): string | undefined {
    try {
      this.add(values);
      return undefined;
    } catch (err) {
      if (err instanceof RangeError) return 'record nested too deeply to store';
      throw err;
    }
  }

  /** The rows' COPY text, in order; may be read more than once (the conflict path sends it again). */
  payload(): Buffer[] {
    this.seal();
    return this.pieces;
  }

  /**
   * The rows were sent (their COPY is complete): their Buffers go back to be filled by a later
   * chunk, and this CopyRows is empty. Only for Buffers nothing else holds any more.
   */
  release(): void {
    this.seal();
    for (const b of this.owned) if (SPARE.length < MAX_SPARE) SPARE.push(b);
    this.owned = [];
    this.pieces = [];
    this.count = 0;
  }

  private write(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: room for that many means the line fits
    // whole, without measuring it first (Buffer.byteLength would walk it once more).
    const most = line.length * 3;
    if (!this.buf || this.used + most > this.buf.length) {
      this.seal();
      if (most > PIECE_BYTES) {
        // A line longer than a piece (a large audit record's details) is a piece of its own.
        this.pieces.push(Buffer.from(line, 'utf8'));
        return;
      }
      const last = this.pieces.length ? this.pieces[this.pieces.length - 1]!.length : 0;
      const size = Math.max(FIRST_PIECE_BYTES, most, Math.min(PIECE_BYTES, last * 2));
      if (size === PIECE_BYTES) {
        this.buf = SPARE.pop() ?? Buffer.allocUnsafeSlow(PIECE_BYTES);
        this.owned.push(this.buf);
      } else {
        this.buf = Buffer.allocUnsafe(size);
      }
      this.used = 0;
    }
    this.used += this.buf.write(line, this.used, 'utf8');
  }

  private seal(): void {
    if (!this.buf) return;
    if (this.used) this.pieces.push(this.buf.subarray(0, this.used));
    this.buf = undefined;
    this.used = 0;
  }
}

// What Postgres cannot store: NUL (U+0000) in text or jsonb, and UTF-16 surrogates that pair with
// nothing (JSON may escape them, "\ud800"; jsonb rejects them). One cheap scan per line decides
// whether a record needs the slow look below.
const SUSPECT = /[\0\uD800-\uDFFF]|\\u(?:0000|[dD][89abAB])/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Deeper than any producer nests (Kubernetes objects: tens of levels); far below the stack's limit. */
const MAX_DEPTH = 1000;

/** Whether a line may yield text Postgres cannot store (see `storable`). */
export const suspectText = (line: string): boolean => SUSPECT.test(line);

/** A string Postgres can store: NUL and lone surrogates become U+FFFD (for quarantined text). */
export function storableText(s: string): string {
  return s.replace(/\0/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Makes a record storable in place: lone surrogates become U+FFFD (the same repair a UTF-8 encoder
 * makes). Returns a rejection reason when a value holds NUL, which no text column can keep and
 * which no producer writes in a real field (a NUL in a log line is corruption).
 */
export function storable(record: Record<string, unknown>, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return 'record nested too deeply to store';
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === 'string') {
      if (v.includes('\0')) return `field "${k}" contains a NUL character`;
      record[k] = v.replace(LONE_SURROGATE, '\uFFFD');
    } else if (v !== null && typeof v === 'object') {
      const inner = storable(v as Record<string, unknown>, depth + 1);
      if (inner) return inner.replace(/^field "/, `field "${k}.`);
      // Keys too: an object's keys reach jsonb.
      for (const key of Object.keys(v)) {
        if (key.includes('\0')) return `field "${k}" has a key with a NUL character`;
        const fixed = key.replace(LONE_SURROGATE, '\uFFFD');
        if (fixed !== key) {
          (v as Record<string, unknown>)[fixed] = (v as Record<string, unknown>)[key];
          delete (v as Record<string, unknown>)[key];
        }
      }
    }
  }
  return undefined;
}
