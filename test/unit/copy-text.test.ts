import { describe, expect, it } from 'vitest';
import { CopyRows, copyLine, copyValue } from '../../ingest/copy-text';
import { splitCsvLine } from '../../ingest/formats/csv';

describe('COPY text encoding', () => {
  it('escapes what COPY would misread and writes NULL as \\N', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyValue({ k: 'v' })).toBe('{"k":"v"}');
    expect(copyValue(false)).toBe('false');
    expect(copyLine(['x', null, 3])).toBe('x\t\\N\t3\n');
  });
});

describe('CopyRows', () => {
  it('is the rows\' COPY lines as UTF-8, in order, across pieces, a line never split, and readable twice', () => {
    const rows = new CopyRows();
    const expected: string[] = [];
    // Non-ASCII (2-, 3- and 4-byte UTF-8), lines over a piece (1 MiB) and many small ones.
    const values = (i: number): unknown[] => [`é${i}`, i % 7 === 0 ? null : '日本\t語', i % 1000 === 0 ? 'x'.repeat(400_000 + i) : '🙂', i];
    for (let i = 0; i < 20_000; i++) {
      rows.add(values(i));
      expected.push(copyLine(values(i)));
    }
    expect(rows.count).toBe(20_000);
    const pieces = rows.payload();
    expect(pieces.length).toBeGreaterThan(2);
    for (const p of pieces) expect(p.at(-1)).toBe(0x0a); // whole lines only
    expect(Buffer.concat(pieces).toString('utf8')).toBe(expected.join(''));
    expect(Buffer.concat(rows.payload()).toString('utf8')).toBe(expected.join(''));
  });

  it('hands its Buffers to the next chunk once released, and the next chunk\'s text is its own', () => {
    const fill = (tag: string) => {
      const rows = new CopyRows();
      for (let i = 0; i < 10_000; i++) rows.add([tag, i, 'x'.repeat(200)]);
      return rows;
    };
    const first = fill('a');
    const firstText = Buffer.concat(first.payload()).toString('utf8');
    const firstBuffers = new Set(first.payload().map((b) => b.buffer));
    first.release();
    expect(first.count).toBe(0);
    expect(first.payload()).toEqual([]);
    const second = fill('b');
    // Full-size pieces are reused, not allocated anew…
    expect(second.payload().some((b) => firstBuffers.has(b.buffer))).toBe(true);
    // …and hold the second chunk's rows only.
    expect(Buffer.concat(second.payload()).toString('utf8')).toBe(firstText.replace(/^a\t/gm, 'b\t'));
  });

  it('reports a value too deeply nested to serialise, and keeps the rows before it', () => {
    const rows = new CopyRows();
    rows.add(['a']);
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(rows.tryAdd(['b', deep])).toBe('record nested too deeply to store');
    expect(rows.count).toBe(1);
    expect(Buffer.concat(rows.payload()).toString('utf8')).toBe('a\n');
  });
});

describe('CSV lines', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('a,"b,c","say ""hi""",,e')).toEqual(['a', 'b,c', 'say "hi"', '', 'e']);
    expect(splitCsvLine('x\ty', '\t')).toEqual(['x', 'y']);
  });
  it('rejects an unterminated quote or junk after a quote', () => {
    expect(splitCsvLine('a,"b')).toBeUndefined();
    expect(splitCsvLine('"a"b,c')).toBeUndefined();
  });
});
