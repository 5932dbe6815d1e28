import { describe, expect, it } from 'vitest';
import { copyLine, copyValue } from '../../ingest/copy-text';
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
