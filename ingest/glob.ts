import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';

/**
 * The files a source's `path` names: a glob (`*`, `?`, `**`, `[…]`, `{a,b}`; picomatch syntax,
 * via tinyglobby), relative to `cwd`. Symbolic links are followed — Kubernetes'
 * /var/log/containers/*.log are links into /var/log/pods — and two paths that resolve to the same
 * file are read once (the first in sorted order is kept). Returns absolute paths, sorted; an
 * unreadable directory or a dangling link matches nothing rather than throwing.
 */
export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  let found: string[];
  if (!isDynamicPattern(abs)) {
    found = [abs];
  } else {
    found = globSync(abs, { absolute: true, onlyFiles: true, followSymbolicLinks: true, dot: true, expandDirectories: false });
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of found.sort()) {
    let real: string;
    try {
      if (!statSync(p).isFile()) continue; // follows links: a link to a file is a file
      real = realpathSync(p);
    } catch {
      continue; // vanished since listing, or a dangling link
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(p);
  }
  return out;
}
