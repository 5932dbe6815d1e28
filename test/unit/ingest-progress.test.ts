import { describe, expect, it } from 'vitest';
import { formatIngestProgress } from '../../client/ingest-progress';

describe('ingest progress line', () => {
  it('draws a bar for files of known size', () => {
    expect(formatIngestProgress({ source: 'cdn', file: 'a.log', fileIndex: 2, files: 3, bytes: 50, totalBytes: 100, records: 12345 })).toBe(
      '  ingest: [############............]  50% cdn a.log (file 2/3) 12,345 records',
    );
  });
  it('shows only a count where the size is unknown (a consent database)', () => {
    expect(formatIngestProgress({ source: 'consent-db', file: 'query', fileIndex: 1, files: 1, bytes: 0, totalBytes: 0, records: 7 })).toBe(
      '  ingest: consent-db query 7 records',
    );
  });
});
