import { createHash } from 'node:crypto';
import pg from 'pg';
import type { ActivityDeps } from '../config/deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { PostgresSourceConfig } from '../config/config';
import { CopyRows } from './copy-text';
import { rowValues } from './tables';
import { ChunkLoader, type RejectedLine } from './chunk-loader';
import type { RecordChecker } from './record-checkers';

// A live "user consent database": the source's query runs over the run's window ($1, $2) through
// a server-side cursor, so a window of any size streams in constant memory. Rows whose columns
// are (subject or user_id, purpose, granted, updated_at[, event_id, evidence]) become consent events; a row
// without an id is identified by its content, so reading the same window twice adds nothing.

const FETCH = 5000;

export function resolveUrl(url: string): string {
  const m = /^env:(\w+)$/.exec(url);
  if (!m) return url;
  const v = process.env[m[1]!];
  if (!v) throw new Error(`environment variable ${m[1]} is not set`);
  return v;
}

function toCanonical(row: Record<string, unknown>) {
  const time = row.updated_at instanceof Date ? row.updated_at.toISOString() : row.updated_at ?? row.time;
  return {
    event_id: row.event_id ?? row.id ?? undefined,
    subject: row.subject ?? row.user_id,
    purpose: row.purpose,
    granted: row.granted,
    time,
    evidence: row.evidence ?? undefined,
    signal: row.signal ?? 'import',
  };
}

export async function ingestPostgres(
  deps: ActivityDeps,
  source: PostgresSourceConfig,
  run: RunRef,
  check: RecordChecker,
  heartbeat: (rows: number) => void,
): Promise<{ records: number; rejected: number; inserted: number }> {
  const remote = new pg.Client({ connectionString: resolveUrl(source.url), application_name: 'govflow-ingest' });
  await remote.connect();
  const local = await deps.pool.connect();
  const file = `query:${run.window.start}/${run.window.end}`;
  const loader = new ChunkLoader(local, 'consent', source.name, file, run.workflowId);
  const totals = { records: 0, rejected: 0, inserted: 0 };
  try {
    await remote.query('begin read only');
    await remote.query({ text: `declare govflow_consent no scroll cursor for ${source.query}`, values: [run.window.start, run.window.end] });
    let position = 0;
    for (;;) {
      const { rows } = await remote.query(`fetch ${FETCH} from govflow_consent`);
      if (rows.length === 0) break;
      const copyRows = new CopyRows();
      const rejected: RejectedLine[] = [];
      for (const row of rows as Record<string, unknown>[]) {
        position += 1;
        const obj = toCanonical(row);
        const checked = check(obj);
        if (!checked.ok) {
          rejected.push({ position, reason: checked.reason, raw: JSON.stringify(row).slice(0, 2000) });
          continue;
        }
        const r = checked.record as unknown as Record<string, unknown>;
        const fallbackId = createHash('sha256').update(JSON.stringify([r.subject_id, r.purpose, r.granted, r.occurred_at])).digest('hex').slice(0, 32);
        copyRows.add(rowValues('consent', r, { source: source.name, file, position, fallbackId }));
      }
      totals.inserted += await loader.load({ rows: copyRows, rejected });
      totals.records += copyRows.count;
      totals.rejected += rejected.length;
      heartbeat(totals.records);
    }
    await remote.query('commit');
  } finally {
    local.release();
    await remote.end();
  }
  return totals;
}
