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
