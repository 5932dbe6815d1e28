import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The shared public samples (../shared/data/public beside the repository; CI has them too). */
export const PUBLIC_DATA = resolve(process.env.GOVFLOW_PUBLIC_DATA ?? '../shared/data/public');

export function publicFile(relative: string): string {
  const path = resolve(PUBLIC_DATA, relative);
  if (!existsSync(path)) throw new Error(`public sample ${path} is missing: is ../shared/data/public beside the repository?`);
  return path;
}
