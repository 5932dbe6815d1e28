// First step of `npm test`: a fresh clone has no node_modules, and a stale one may not match the
// lock file. Either way, install exactly what package-lock.json says before anything else runs.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('npm test: node_modules is missing or older than package-lock.json; running npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
