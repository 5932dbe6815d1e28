import pg from 'pg';

// What a run left in the database, in a form two runs can be compared by: per govflow table, the
// row count and an md5 over its rows (as JSON, sorted), leaving out the columns that legitimately
// differ between two clean runs of the same input (ids from sequences, wall-clock times,
// ciphertext with a random nonce, the Temporal run id). Which columns those are is not guessed:
// the harness runs the clean run twice and drops exactly the columns whose values differ
// (volatileColumns), and prints them.

export type Snapshot = Record<string, { rows: number; md5: string }>;
export type ColumnDigests = Record<string, Record<string, string>>;

/** The govflow schema's tables (partitioned parents once, not their partitions). */
async function tables(db: pg.Client): Promise<string[]> {
  const { rows } = await db.query(`
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'govflow' and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'kysely_migration' and c.relname <> 'kysely_migration_lock'
    order by 1`);
  return rows.map((r) => String(r.relname));
}

async function withDb<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Per table and column: an md5 of the column's values, sorted (order-free). */
export function columnDigests(url: string): Promise<ColumnDigests> {
  return withDb(url, async (db) => {
    const out: ColumnDigests = {};
    for (const t of await tables(db)) {
      const { rows: cols } = await db.query(`select column_name from information_schema.columns where table_schema = 'govflow' and table_name = $1`, [t]);
      out[t] = {};
      for (const { column_name: c } of cols) {
        const col = pg.escapeIdentifier(String(c));
        const { rows } = await db.query(`select md5(coalesce(string_agg(v, E'\\n' order by v), '')) as h from (select ${col}::text as v from govflow.${pg.escapeIdentifier(t)}) s`);
        out[t]![String(c)] = String(rows[0]!.h);
      }
    }
    return out;
  });
}

/**
 * Surrogate keys from sequences ("table.column"): a retried INSERT … ON CONFLICT consumes sequence
 * values, so a retry shifts them though no row changed. Rows are compared by their other columns.
 */
export function sequenceColumns(url: string): Promise<string[]> {
  return withDb(url, async (db) => {
    const { rows } = await db.query(`
      select table_name || '.' || column_name as c from information_schema.columns
      where table_schema = 'govflow' and (column_default like 'nextval(%' or is_identity = 'YES') order by 1`);
    return rows.map((r) => String(r.c));
  });
}

/** Columns whose values differ between two clean runs: "table.column". */
export function volatileColumns(a: ColumnDigests, b: ColumnDigests): string[] {
  const out: string[] = [];
  for (const [t, cols] of Object.entries(a)) for (const [c, h] of Object.entries(cols)) if (b[t]?.[c] !== h) out.push(`${t}.${c}`);
  return out.sort();
}

/**
 * Columns that point at other rows by their sequence ids, compared by what they point at: a retried
 * step shifts the ids (sequenceColumns) and so these references, though no row changed. Each is an
 * SQL expression over the row `t`. An incident names its first findings (audit findings, or consent
 * violations for the consent rule); findings and violations name their incident.
 */
const INCIDENT_KEY = `(select i.rule || '/' || i.about || '/' || i.bucket_start || '/' || i.bucket_end from govflow.incidents i where i.id = t.incident_id)`;
export const ID_REFERENCES: Record<string, Record<string, string>> = {
  incidents: {
    sample_finding_ids: `array(select case when t.rule = 'consent_violation'
        then (select v.source || '/' || v.event_id || '/' || v.purpose from govflow.consent_violations v where v.id = u.id)
        else (select f.dedupe_key from govflow.audit_findings f where f.id = u.id) end
      from unnest(t.sample_finding_ids) with ordinality u(id, n) order by u.n)`,
  },
  audit_findings: { incident_id: INCIDENT_KEY },
  consent_violations: { incident_id: INCIDENT_KEY },
};

/** Row counts and content md5 per table (or the `only` tables), leaving out `volatile` columns and the run id's text. */
export function snapshot(url: string, volatile: string[], runId: string, only?: string[]): Promise<Snapshot> {
  return withDb(url, async (db) => {
    const out: Snapshot = {};
    for (const t of await tables(db)) {
      if (only && !only.includes(t)) continue;
      const drop = volatile.filter((v) => v.startsWith(`${t}.`)).map((v) => v.slice(t.length + 1));
      const refs = Object.entries(ID_REFERENCES[t] ?? {}).filter(([c]) => !drop.includes(c));
      const row = refs.length
        ? `(to_jsonb(t) - $1::text[]) || jsonb_build_object(${refs.map(([c, expr]) => `${pg.escapeLiteral(c)}, ${expr}`).join(', ')})`
        : `(to_jsonb(t) - $1::text[])`;
      const { rows } = await db.query(
        `select count(*)::int as n, md5(coalesce(string_agg(x, E'\\n' order by x), '')) as h
         from (select replace((${row})::text, $2, 'RUN') as x from govflow.${pg.escapeIdentifier(t)} t) s`,
        [drop, runId || '\u0000'],
      );
      out[t] = { rows: Number(rows[0]!.n), md5: String(rows[0]!.h) };
    }
    return out;
  });
}

/** Tables whose count or content differ: "table (rows a→b)" or "table (content)". */
export function differences(clean: Snapshot, trial: Snapshot): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(clean), ...Object.keys(trial)])) {
    const a = clean[t];
    const b = trial[t];
    if (!a || !b) out.push(`${t} (missing)`);
    else if (a.rows !== b.rows) out.push(`${t} (rows ${a.rows}→${b.rows})`);
    else if (a.md5 !== b.md5) out.push(`${t} (content)`);
  }
  return out;
}
