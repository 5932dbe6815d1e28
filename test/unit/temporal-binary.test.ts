import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, findTemporalCli } from '../../cli/temporal-binary';

function fakeBinary(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'temporal');
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('finding the Temporal CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'govflow-cli-'));
  const onPath = fakeBinary(join(root, 'bin'));
  const cached = fakeBinary(cacheDir({ GOVFLOW_CACHE_DIR: join(root, 'cache') }));

  it('prefers TEMPORAL_CLI, then PATH, then the cache', () => {
    const explicit = fakeBinary(join(root, 'explicit'));
    expect(findTemporalCli({ TEMPORAL_CLI: explicit, PATH: join(root, 'bin') })).toBe(explicit);
    expect(findTemporalCli({ PATH: join(root, 'bin'), GOVFLOW_CACHE_DIR: join(root, 'cache') })).toBe(onPath);
    expect(findTemporalCli({ PATH: '/nonexistent', GOVFLOW_CACHE_DIR: join(root, 'cache') })).toBe(cached);
  });

  it('reports a build is needed when it is nowhere', () => {
    expect(findTemporalCli({ PATH: '/nonexistent', GOVFLOW_CACHE_DIR: join(root, 'empty') })).toBeUndefined();
  });

  it('refuses a TEMPORAL_CLI that is not executable', () => {
    expect(() => findTemporalCli({ TEMPORAL_CLI: join(root, 'missing') })).toThrow(/is not an executable file/);
  });

  it('keeps the cache per CLI version under XDG_CACHE_HOME', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/govflow/temporal-1.5.1');
  });
});
