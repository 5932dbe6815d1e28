import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { fileWriter, parquetWriteRows } from 'hyparquet-writer';
import type { Db } from '../../db/pool';
import type { RunRef } from '../../workflow-safe/run-ref';
import { REPORT_KINDS } from '../../reporting/report-kinds';
import { maskedTables, windowRows } from './masked-tables';
import type { ExportTarget } from './export-target';
import { EXPORT_MANIFEST_FORMAT, type ExportManifest, type ExportedFile } from './manifest';

// One window's delivery: each masked table's rows of the window as a Parquet file, the window's
// three reports (HTML and text), and manifest.json naming them all with SHA-256, size and row
// count, under `prefix/dt=YYYY-MM-DD/hour=HH/` of the window's start. Keys depend only on the
// window, so a re-run overwrites the same objects; anything else under the partition (a table
// that no longer exists, a file of an older layout) is removed after the manifest is written.
// The manifest goes last: a reader that finds it finds every file it lists.

/** Rows per Postgres page and per Parquet row group: bounds the step's memory. */
export const EXPORT_PAGE_ROWS = 5000;

export const MANIFEST_NAME = 'manifest.json';

/** `dt=2026-11-01/hour=10/` for a window starting 2026-11-01T10:xx UTC (Hive-style partition). */
export function partitionOf(windowStart: string): string {
  const iso = new Date(windowStart).toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}

export interface ExportInput {
  db: Db;
  run: RunRef;
  target: ExportTarget;
  /** The configured key prefix ('' or ending in /). */
  prefix: string;
  policyHash: string;
  /** Called after every page and file: the activity heartbeats with it. */
  progress?: () => void;
}

export interface ExportOutcome {
  partition: string;
  manifest: ExportManifest;
  /** Keys removed because the new manifest does not list them. */
  removed: string[];
}

/** Writes the window's dataset, reports and manifest to the target; returns the manifest. */
export async function exportWindow({ db, run, target, prefix, policyHash, progress = () => {} }: ExportInput): Promise<ExportOutcome> {
  const partition = prefix + partitionOf(run.window.start);
  const dir = await mkdtemp(join(tmpdir(), 'govflow-export-'));
  try {
    const files: ExportedFile[] = [];
    const ship = async (name: string, local: string, contentType: string, rows?: number) => {
      const { sha256, bytes } = await digest(local);
      await target.put(partition + name, local, { contentType, sha256, bytes });
      files.push({ name, contentType, bytes, sha256, ...(rows !== undefined ? { rows } : {}) });
      progress();
    };

    for (const table of await maskedTables(db)) {
      const local = join(dir, `${table.name}.parquet`);
      let rows = 0;
      const counted = async function* () {
        for await (const row of windowRows(db, table, run.window, EXPORT_PAGE_ROWS)) {
          if (++rows % EXPORT_PAGE_ROWS === 0) progress();
          yield row;
        }
      };
      await parquetWriteRows({
        writer: fileWriter(local),
        rows: counted(),
        columns: table.columns.map((c) => ({ name: c.name, type: c.type, nullable: true })),
        rowGroupSize: EXPORT_PAGE_ROWS,
        createdBy: 'govflow',
      });
      await ship(`${table.name}.parquet`, local, 'application/vnd.apache.parquet', rows);
    }

    const { rows: reports } = await sql<{ kind: string; html: string; text: string }>`
      select kind, html, text from govflow.reports
      where window_start = ${run.window.start}::timestamptz and window_end = ${run.window.end}::timestamptz
      order by kind`.execute(db);
    for (const r of reports.filter((r) => (REPORT_KINDS as readonly string[]).includes(r.kind))) {
      for (const [ext, body, type] of [['html', r.html, 'text/html; charset=utf-8'], ['txt', r.text, 'text/plain; charset=utf-8']] as const) {
        const local = join(dir, `${r.kind}.${ext}`);
        await writeFile(local, body);
        await ship(`${r.kind}.${ext}`, local, type);
      }
    }

    const manifest: ExportManifest = {
      format: EXPORT_MANIFEST_FORMAT,
      workflowId: run.workflowId,
      runId: run.runId,
      window: run.window,
      partition,
      policyHash,
      exportedAt: new Date().toISOString(),
      files,
    };
    const local = join(dir, MANIFEST_NAME);
    await writeFile(local, `${JSON.stringify(manifest, null, 2)}\n`);
    const { sha256, bytes } = await digest(local);
    await target.put(partition + MANIFEST_NAME, local, { contentType: 'application/json', sha256, bytes });

    const keep = new Set([...files.map((f) => partition + f.name), partition + MANIFEST_NAME]);
    const removed = (await target.list(partition)).filter((k) => !keep.has(k));
    if (removed.length) await target.remove(removed);
    return { partition, manifest, removed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function digest(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), bytes: (await stat(file)).size };
}
