import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../db/pool';
import type { Window } from '../../workflow-safe/window';

/** Writes a window's stored report to files a person can open; returns the HTML file's path. */
export async function exportReport(db: Db, kind: string, window: Window, dir: string): Promise<string | undefined> {
  const { rows } = await sql<{ html: string; text: string; workflow_id: string }>`
    select html, text, workflow_id from govflow.reports
    where kind = ${kind} and window_start = ${window.start}::timestamptz and window_end = ${window.end}::timestamptz`.execute(db);
  const report = rows[0];
  if (!report) return undefined;
  const out = resolve(dir, report.workflow_id);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${kind}.html`), report.html);
  writeFileSync(join(out, `${kind}.txt`), report.text);
  return join(out, `${kind}.html`);
}
