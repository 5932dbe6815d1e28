import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ExportTarget } from './export-target';

// The embedded target: a local folder laid out like the bucket (prefix/dt=…/hour=…/file), for a
// developer's machine or a volume another tool ships. Each file is copied beside its final name
// and renamed over it, so a reader never sees half a file.

export function folderTarget(root: string): ExportTarget {
  const path = (key: string) => join(root, ...key.split('/'));
  return {
    location: root,
    async put(key, file) {
      const dest = path(key);
      await mkdir(dirname(dest), { recursive: true });
      const partial = `${dest}.partial`;
      await copyFile(file, partial);
      await rename(partial, dest);
    },
    async list(prefix) {
      const dir = path(prefix);
      let entries;
      try {
        entries = await readdir(dir, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      return entries
        .filter((e) => e.isFile())
        .map((e) => prefix + relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    },
    async remove(keys) {
      for (const key of keys) await rm(path(key), { force: true });
    },
  };
}
