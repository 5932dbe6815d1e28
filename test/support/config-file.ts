import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

/** Writes a govflow.yaml for a test (the repository's policy unless told otherwise); returns its path. */
export function writeConfig(sources: unknown[], policy = resolve('policy.yaml')): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-test-config-'));
  const file = join(dir, 'govflow.yaml');
  writeFileSync(file, stringify({ policy, sources }));
  return file;
}
