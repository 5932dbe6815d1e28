import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

// Expands a source's path pattern: `*` and `?` within a name, `**` across directories.
// Small on purpose: sources are a handful of directories, not a file system crawl.

function toRegExp(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

const hasMagic = (s: string) => /[*?]/.test(s);

export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const parts = abs.split(sep);
  const firstMagic = parts.findIndex(hasMagic);
  if (firstMagic === -1) {
    try {
      return statSync(abs).isFile() ? [abs] : [];
    } catch {
      return [];
    }
  }
  const base = parts.slice(0, firstMagic).join(sep) || sep;
  const out: string[] = [];
  const walk = (dir: string, rest: string[]) => {
    if (rest.length === 0) return;
    const [head, ...tail] = rest as [string, ...string[]];
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (head === '**') {
      walk(dir, tail); // ** matches zero directories
      for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name), rest);
      return;
    }
    const re = toRegExp(head);
    for (const e of entries) {
      if (!re.test(e.name)) continue;
      const p = join(dir, e.name);
      if (tail.length === 0) {
        if (e.isFile()) out.push(p);
      } else if (e.isDirectory()) walk(p, tail);
    }
  };
  walk(base, parts.slice(firstMagic));
  return [...new Set(out)].sort();
}
