import { sql } from 'kysely';
import type { Db } from '../../db/pool';
import type { Window } from '../../workflow-safe/window';

// The analytics-safe side of the database as the export sees it: every table of the govflow
// schema whose name starts with masked_ and that has an occurred_hour column (masked_events,
// masked_audit_trail, and any masked table added later), read a window at a time in keyset pages
// of its primary key, so no step ever holds a table in memory. A partitioned table is one table.

/** Parquet column types the export writes (hyparquet-writer's BasicType names). */
export type ExportColumnType = 'STRING' | 'TIMESTAMP' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

export interface MaskedTable {
  name: string;
  columns: { name: string; type: ExportColumnType }[];
  primaryKey: string[];
}

/** Postgres type (information_schema data_type) → Parquet column type; anything else as text. */
const PARQUET_TYPE: Record<string, ExportColumnType> = {
  'timestamp with time zone': 'TIMESTAMP',
  'timestamp without time zone': 'TIMESTAMP',
  date: 'TIMESTAMP',
  integer: 'INT32',
  smallint: 'INT32',
  bigint: 'INT64',
  'double precision': 'DOUBLE',
  real: 'DOUBLE',
  numeric: 'DOUBLE',
  boolean: 'BOOLEAN',
  json: 'JSON',
  jsonb: 'JSON',
};

/** The masked tables, their columns in table order and their primary keys; sorted by name. */
export async function maskedTables(db: Db): Promise<MaskedTable[]> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; pk_position: number | null }>`
    select c.table_name, c.column_name, c.data_type, k.ordinal_position as pk_position
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    left join information_schema.table_constraints tc
      on tc.table_schema = c.table_schema and tc.table_name = c.table_name and tc.constraint_type = 'PRIMARY KEY'
    left join information_schema.key_column_usage k
      on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name and k.column_name = c.column_name
    where c.table_schema = 'govflow' and c.table_name like 'masked\\_%'
      -- A partitioned table once (masked_events is by day), not again through each of its partitions.
      and not (select relispartition from pg_class where oid = format('%I.%I', c.table_schema, c.table_name)::regclass)
    order by c.table_name, c.ordinal_position`.execute(db);
  const byName = new Map<string, MaskedTable & { pk: [number, string][] }>();
  for (const r of rows) {
    let t = byName.get(r.table_name);
    if (!t) byName.set(r.table_name, (t = { name: r.table_name, columns: [], primaryKey: [], pk: [] }));
    t.columns.push({ name: r.column_name, type: PARQUET_TYPE[r.data_type] ?? 'STRING' });
    if (r.pk_position !== null) t.pk.push([Number(r.pk_position), r.column_name]);
  }
  return [...byName.values()]
    .filter((t) => t.columns.some((c) => c.name === 'occurred_hour') && t.pk.length > 0)
    .map(({ pk, ...t }) => ({ ...t, primaryKey: pk.sort((a, b) => a[0] - b[0]).map(([, c]) => c) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The table's rows whose occurred_hour lies in the window, in primary-key order, `pageSize` rows
 * per query. Values come as Parquet wants them: INT64 as bigint, timestamps as Date.
 */
export async function* windowRows(db: Db, table: MaskedTable, window: Window, pageSize: number): AsyncGenerator<Record<string, unknown>> {
  const key = sql.join(table.primaryKey.map((c) => sql.ref(c)));
  const int64 = table.columns.filter((c) => c.type === 'INT64').map((c) => c.name);
  let after: unknown[] | undefined;
  for (;;) {
    const { rows } = await sql<Record<string, unknown>>`
      select * from ${sql.table(`govflow.${table.name}`)}
      where occurred_hour >= ${window.start}::timestamptz and occurred_hour < ${window.end}::timestamptz
        ${after ? sql`and (${key}) > (${sql.join(after)})` : sql``}
      order by ${key} limit ${pageSize}`.execute(db);
    for (const row of rows) {
      for (const c of int64) if (typeof row[c] === 'number') row[c] = BigInt(row[c] as number);
      yield row;
    }
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = table.primaryKey.map((c) => (typeof last[c] === 'bigint' ? String(last[c]) : last[c]));
  }
}
