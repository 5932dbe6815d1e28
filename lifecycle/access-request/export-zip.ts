import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { csvLine } from '../../reporting/csv';
import type { TableRows } from './tables';

// A right-of-access export as one zip: per table a JSON file (an array of row objects) and a CSV
// file (RFC 4180, header row first), and manifest.json naming each file with its row count and
// SHA-256, so the person (or a regulator) can check nothing was altered or left out. GDPR
// Art. 15(3) with Art. 20(1)'s "structured, commonly used and machine-readable format".

export interface ExportFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface AccessExportManifest {
  requestId: number;
  /** The person's pseudonym (the identifier itself is in the rows, not here). */
  subjectRef: string;
  generatedAt: string;
  policyHash: string;
  legalBasis: string;
  tables: Array<{ name: string; description: string; rows: number; files: ExportFile[] }>;
}

/** A cell as text: instants in ISO 8601, objects (jsonb) as JSON, null as empty. */
function cell(v: unknown): unknown {
  if (v === null || v === undefined || v instanceof Date) return v;
  return typeof v === 'object' ? JSON.stringify(v) : v;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Writes `<dir>/<requestId>.zip` (through a temporary name, so a reader never sees half a file
 * and a retry replaces it whole); returns its path, its SHA-256 and the manifest inside it.
 */
export async function writeAccessExport(
  dir: string,
  meta: Omit<AccessExportManifest, 'tables' | 'legalBasis'>,
  tables: TableRows[],
): Promise<{ path: string; sha256: string; manifest: AccessExportManifest }> {
  await mkdir(dir, { recursive: true });
  const zip = new yazl.ZipFile();
  const mtime = new Date(meta.generatedAt);
  const manifest: AccessExportManifest = { ...meta, legalBasis: 'GDPR Art. 15 (right of access)', tables: [] };
  for (const t of tables) {
    const json = Buffer.from(JSON.stringify(t.rows, null, 2) + '\n');
    const csv = Buffer.from(csvLine(t.columns) + t.rows.map((r) => csvLine(t.columns.map((c) => cell(r[c])))).join(''));
    const files: ExportFile[] = [];
    for (const [name, body] of [[`${t.name}.json`, json], [`${t.name}.csv`, csv]] as const) {
      zip.addBuffer(body, name, { mtime });
      files.push({ name, bytes: body.length, sha256: sha256(body) });
    }
    manifest.tables.push({ name: t.name, description: t.description, rows: t.rows.length, files });
  }
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 'manifest.json', { mtime });
  zip.end();
  const path = join(dir, `${meta.requestId}.zip`);
  const partial = `${path}.partial`;
  await pipeline(zip.outputStream, createWriteStream(partial, { mode: 0o600 }));
  const hash = createHash('sha256');
  await pipeline(createReadStream(partial), hash);
  await rename(partial, path);
  return { path, sha256: hash.digest('hex'), manifest };
}
