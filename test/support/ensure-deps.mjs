// The set-up of `npm test`, before the type-check and vitest:
// 1. a fresh clone has no node_modules, and a stale one may not match the lock file: install
//    exactly what package-lock.json says;
// 2. the machine-wide tools the tests use (the Temporal CLI, Debian's Chromium): built or
//    installed here, with their own time, so no test or hook timeout has to cover them
//    (test/support/set-up.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Why node_modules does not match package-lock.json, or undefined when it does. Compared by
 * content with npm's hidden lock file (node_modules/.package-lock.json, written by every install),
 * not by modification times: a fresh checkout or a git worktree has a newer package-lock.json than
 * an installed, matching node_modules (which may be a link to a shared one: `npm ci` would empty it).
 * Optional packages (other platforms' binaries) may be absent.
 */
function staleness() {
  const hidden = 'node_modules/.package-lock.json';
  if (!existsSync(hidden)) return 'node_modules is missing';
  const want = JSON.parse(readFileSync('package-lock.json', 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
  for (const [path, p] of Object.entries(want)) {
    if (!path || p.link) continue;
    if (!have[path] && !p.optional && !p.devOptional) return `${path} is not installed`;
    if (have[path] && have[path].version !== p.version) return `${path} is ${have[path].version}, package-lock.json says ${p.version}`;
  }
  return undefined;
}

const stale = staleness();
if (stale) {
  console.error(`npm test: ${stale}; running npm ci`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Only now can TypeScript be loaded (tsx comes with node_modules).
const { register } = await import('tsx/esm/api');
register();
const { prepareMachine } = await import('./set-up.ts');
try {
  await prepareMachine();
} catch (err) {
  console.error(`npm test: set-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
