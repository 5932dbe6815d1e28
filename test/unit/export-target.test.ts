import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../lifecycle/export/export-window';
import { folderTarget } from '../../lifecycle/export/folder-target';

describe('export partitions and the folder target', () => {
  it('files a window under the UTC date and hour of its start', () => {
    expect(partitionOf('2026-11-01T10:00:00.000Z')).toBe('dt=2026-11-01/hour=10/');
    expect(partitionOf('2026-11-01T00:30:00+01:00')).toBe('dt=2026-10-31/hour=23/');
  });

  it('puts, lists and removes keys as nested folders, replacing a file whole', async () => {
    const root = mkdtempSync(join(tmpdir(), 'govflow-folder-target-'));
    const src = join(mkdtempSync(join(tmpdir(), 'govflow-src-')), 'f');
    const target = folderTarget(root);
    const meta = { contentType: 'text/plain', sha256: '', bytes: 0 };
    writeFileSync(src, 'one');
    await target.put('p/dt=2026-11-01/hour=10/a.txt', src, meta);
    await target.put('p/dt=2026-11-01/hour=10/sub/b.txt', src, meta);
    await target.put('p/dt=2026-11-01/hour=11/c.txt', src, meta);
    writeFileSync(src, 'two');
    await target.put('p/dt=2026-11-01/hour=10/a.txt', src, meta);
    expect(readFileSync(join(root, 'p', 'dt=2026-11-01', 'hour=10', 'a.txt'), 'utf8')).toBe('two');
    expect(readdirSync(join(root, 'p', 'dt=2026-11-01', 'hour=10'))).not.toContain('a.txt.partial');
    expect(await target.list('p/dt=2026-11-01/hour=10/')).toEqual(['p/dt=2026-11-01/hour=10/a.txt', 'p/dt=2026-11-01/hour=10/sub/b.txt']);
    expect(await target.list('p/dt=2026-11-02/hour=00/')).toEqual([]);
    await target.remove(['p/dt=2026-11-01/hour=10/sub/b.txt', 'p/missing.txt']);
    expect(await target.list('p/dt=2026-11-01/')).toEqual(['p/dt=2026-11-01/hour=10/a.txt', 'p/dt=2026-11-01/hour=11/c.txt']);
  });
});
