import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

/**
 * Writes a govflow.yaml for a test (the repository's policy unless told otherwise) with any
 * further top-level sections (e.g. `export`); returns its path.
 */
export function writeConfig(sources: unknown[], policy = resolve('policy.yaml'), sections: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-test-config-'));
  const file = join(dir, 'govflow.yaml');
  writeFileSync(file, stringify({ policy, sources, ...sections }));
  return file;
}
