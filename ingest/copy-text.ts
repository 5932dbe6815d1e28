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

/**
 * A chunk's rows as COPY text. Lines are joined into flat pieces every 1,000 rows, so each line's
 * many small strings die young instead of being kept (and promoted by the GC) until the chunk is
 * sent: that keeps ingest's memory flat however large the file.
 */
export class CopyRows {
  count = 0;
  private pieces: string[] = [];
  private pending: string[] = [];

  add(values: readonly unknown[]): void {
    this.pending.push(copyLine(values));
    this.count += 1;
    if (this.pending.length >= 1000) this.seal();
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

  payload(): string[] {
    this.seal();
    return this.pieces;
  }

  private seal(): void {
    if (this.pending.length === 0) return;
    this.pieces.push(this.pending.join(''));
    this.pending = [];
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
