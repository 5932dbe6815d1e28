import type { SourceKind } from '../config/config';
import type { DB } from '../db/schema';

// Where each kind of record lands: the table, its columns in COPY order with their SQL types,
// and the key that makes a second load of the same event a no-op.
//
// The columns are checked against db/schema.ts (generated from the migrations): a name that is
// not a column of the table, or a column of the table missing here, does not compile. So a
// migration that adds a column (then `npm run db:types`) shows every place that must load it.

export interface TableSpec {
  table: keyof DB;
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  conflict: string;
}

/** Columns the database fills in itself: never loaded. */
type FilledByDatabase = 'id' | 'ingested_at';
type Loaded<T extends keyof DB> = Exclude<keyof DB[T], FilledByDatabase> & string;
type ColumnList<T extends keyof DB> = ReadonlyArray<readonly [name: Loaded<T>, type: string]>;
type Complete<T extends keyof DB, C extends ColumnList<T>> = [Exclude<Loaded<T>, C[number][0]>] extends [never]
  ? unknown
  : { 'columns of the table missing from this list': Exclude<Loaded<T>, C[number][0]> };

/** `table`'s COPY columns, checked complete against db/schema.ts. */
function copyColumns<T extends keyof DB>(_table: T) {
  return <const C extends ColumnList<T>>(columns: C & Complete<T, C>): C => columns;
}

export const TABLES: Record<SourceKind, TableSpec> = {
  access: {
    table: 'govflow.access_events',
    conflict: '(source, event_id, occurred_at)',
    columns: copyColumns('govflow.access_events')([
      ['source', 'text'], ['event_id', 'text'], ['occurred_at', 'timestamptz'], ['principal', 'text'], ['subject_id', 'text'],
      ['action', 'text'], ['resource', 'text'], ['data_category', 'text'], ['purpose', 'text'], ['outcome', 'text'],
      ['source_ip', 'text'], ['region', 'text'], ['user_agent', 'text'], ['justification', 'text'], ['file', 'text'], ['position', 'bigint'],
    ]),
  },
  audit: {
    table: 'govflow.audit_trail_events',
    conflict: '(source, event_id)',
    columns: copyColumns('govflow.audit_trail_events')([
      ['source', 'text'], ['event_id', 'text'], ['occurred_at', 'timestamptz'], ['actor', 'text'], ['action', 'text'],
      ['target', 'text'], ['outcome', 'text'], ['source_ip', 'text'], ['region', 'text'], ['details', 'jsonb'],
      ['file', 'text'], ['position', 'bigint'],
    ]),
  },
  consent: {
    table: 'govflow.consent_events',
    conflict: '(source, event_id)',
    columns: copyColumns('govflow.consent_events')([
      ['source', 'text'], ['event_id', 'text'], ['subject_id', 'text'], ['purpose', 'text'], ['granted', 'boolean'],
      ['occurred_at', 'timestamptz'], ['occurred_precision', 'text'], ['evidence', 'text'], ['signal', 'text'], ['file', 'text'], ['position', 'bigint'],
    ]),
  },
};

/** Where a record came from: the part of its row no format supplies. */
export interface Provenance {
  source: string;
  file: string | null;
  position: number | null;
  /** The event's identity when the record carries no event id of its own. */
  fallbackId: string;
}

/** A checked record and its provenance as one row, in the COPY column order of its kind's table. */
export function rowValues(kind: SourceKind, record: object, p: Provenance): unknown[] {
  // Runs for every record ingested: a loop over the columns, not a spread copy of the record
  // (a profile of ingest found the copy among its costliest lines, and in its garbage).
  const r = record as Record<string, unknown>;
  const columns = COLUMN_NAMES[kind];
  const row: unknown[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    row[i] = c === 'source' ? p.source : c === 'file' ? p.file : c === 'position' ? p.position : c === 'event_id' ? (r.event_id ?? p.fallbackId) : r[c];
  }
  return row;
}

const COLUMN_NAMES = Object.fromEntries(Object.entries(TABLES).map(([k, t]) => [k, t.columns.map(([c]) => c)])) as Record<SourceKind, string[]>;
