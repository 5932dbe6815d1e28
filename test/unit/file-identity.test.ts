import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_BYTES, fingerprintHead, matchesPrefix, readHead } from '../../ingest/fingerprint';
import { expandGlob } from '../../ingest/glob';

const dir = mkdtempSync(join(tmpdir(), 'govflow-identity-'));
const put = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const long = Array.from({ length: 100 }, (_, i) => `203.0.113.${i % 250} - - [01/Nov/2026:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /t/${i} HTTP/1.1" 200 1`).join('\n') + '\n';

describe('file fingerprints', () => {
  it('are the hash of the first 1 KiB, the same for a file, its grown self, its rename and its gzip', async () => {
    const a = fingerprintHead((await readHead(put('access.log', long))).head, false)!;
    expect(a.bytes).toBe(FINGERPRINT_BYTES);
    const grown = fingerprintHead((await readHead(put('grown.log', `${long}one more line\n`))).head, false);
    const gz = await readHead(put('access.log.2.gz', gzipSync(long)));
    expect(gz.gzip).toBe(true);
    expect(grown).toEqual(a);
    expect(fingerprintHead(gz.head, true)).toEqual(a);
    expect(fingerprintHead((await readHead(put('other.log', long.replace('203.0.113.0', '198.51.100.7')))).head, false)).not.toEqual(a);
  });

  it('of a short file cover its complete lines only, and a grown file is recognised by prefix', async () => {
    expect(fingerprintHead(Buffer.from('half a li'), false)).toBeUndefined();
    const short = fingerprintHead(Buffer.from('line 1\nline 2\nhalf'), false)!;
    expect(short.bytes).toBe(14);
    // A finished file (compressed, or no longer written) is fingerprinted whole.
    expect(fingerprintHead(Buffer.from('line 1\nline 2\nhalf'), true)!.bytes).toBe(18);
    expect(matchesPrefix(Buffer.from(`line 1\nline 2\nhalf and whole\n${long}`), short)).toBe(true);
    expect(matchesPrefix(Buffer.from('line 1\nline 3\n'), short)).toBe(false);
  });
});

describe('expandGlob', () => {
  it('follows symbolic links, as in /var/log/containers/*.log → /var/log/pods, and reads a file once', () => {
    const pods = join(dir, 'pods', 'ns_pod_uid', 'app');
    mkdirSync(pods, { recursive: true });
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(pods, '0.log'), 'x\n');
    symlinkSync(join(pods, '0.log'), join(dir, 'containers', 'pod_ns_app-123.log'));
    symlinkSync(join(dir, 'nowhere.log'), join(dir, 'containers', 'dangling.log'));
    expect(expandGlob(join(dir, 'containers', '*.log'))).toEqual([join(dir, 'containers', 'pod_ns_app-123.log')]);
    // A directory link is walked too; the link and its target are one file, read once.
    symlinkSync(join(dir, 'pods'), join(dir, 'pods-link'));
    const all = expandGlob(join(dir, '**', '0.log'));
    expect(all).toHaveLength(1);
    expect(expandGlob('containers/*.log', dir)).toEqual([join(dir, 'containers', 'pod_ns_app-123.log')]);
    expect(expandGlob(join(dir, 'containers', 'pod_ns_app-123.log'))).toHaveLength(1);
    expect(expandGlob(join(dir, 'no-such-dir', '*.log'))).toEqual([]);
  });
});
