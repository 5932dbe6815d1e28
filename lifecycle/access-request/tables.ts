import type pg from 'pg';

// What govflow holds about one person, table by table, for a right-of-access export (GDPR
// Art. 15(1) and (3): "a copy of the personal data undergoing processing"). Raw tables are
// searched by the raw identifier, pseudonymous ones by the person's pseudonym (the keyed HMAC
// govflow.pseudonym of the identifier, also the vault's subject_ref). Each query takes one
// parameter, $1: the raw identifier (by: 'id') or the pseudonym (by: 'ref'). The vault is read
// separately (vault.ts): its values are decrypted under the person's own key.

export interface ExportTable {
  /** The file name in the export (table.json, table.csv). */
  name: string;
  /** What the rows are, for the manifest. */
  description: string;
  by: 'id' | 'ref';
  sql: string;
}

export const EXPORT_TABLES: ExportTable[] = [
  {
    name: 'access_events',
    description: 'accesses to your data (you as subject) and accesses you made (you as principal), raw',
    by: 'id', sql: 'select * from govflow.access_events where subject_id = $1 or principal = $1 order by occurred_at, source, event_id',
  },
  {
    name: 'audit_trail_events',
    description: 'system audit trail entries you made (actor) or that name you (target)',
    by: 'id', sql: 'select * from govflow.audit_trail_events where actor = $1 or strpos(target, $1) > 0 order by occurred_at, source, event_id',
  },
  { name: 'consent_events', description: 'your consent history (the ledger)', by: 'id', sql: 'select * from govflow.consent_events where subject_id = $1 order by occurred_at, id' },
  { name: 'consent_state', description: 'your current consent per purpose', by: 'id', sql: 'select * from govflow.consent_state where subject_id = $1 order by purpose' },
  { name: 'consent_withdrawals', description: 'your withdrawals and refusals of consent', by: 'id', sql: 'select * from govflow.consent_withdrawals where subject_id = $1 order by withdrawn_at, source, event_id' },
  {
    name: 'audit_findings',
    description: 'audit findings that name you (by pseudonym)',
    by: 'ref', sql: 'select * from govflow.audit_findings where subject_key = $1 or principal_key = $1 order by occurred_at, id',
  },
  { name: 'consent_violations', description: 'accesses made without the consent they needed (by pseudonym)', by: 'ref', sql: 'select * from govflow.consent_violations where subject_key = $1 order by occurred_at, id' },
  { name: 'consent_time_uncertain', description: 'accesses whose consent the timestamps cannot settle (by pseudonym)', by: 'ref', sql: 'select * from govflow.consent_time_uncertain where subject_key = $1 order by occurred_at, id' },
  {
    name: 'masked_events',
    description: 'the analytics copy of access events about you or by you (pseudonymised)',
    by: 'ref', sql: 'select * from govflow.masked_events where subject_key = $1 or principal_key = $1 order by occurred_hour, source, event_id',
  },
  { name: 'masked_audit_trail', description: 'the analytics copy of your audit trail entries (pseudonymised)', by: 'ref', sql: 'select * from govflow.masked_audit_trail where actor_key = $1 order by occurred_hour, source, event_id' },
  { name: 'rejected_records', description: 'quarantined input lines that contain your identifier', by: 'id', sql: 'select * from govflow.rejected_records where strpos(raw, $1) > 0 order by id' },
  {
    name: 'erasure_requests',
    description: 'your erasure requests and their receipts',
    by: 'ref', sql: `select e.id, e.origin, e.purpose, e.requested_at, e.due_at, e.status, e.completed_at, r.deleted, r.key_shredded, r.outcome
          from govflow.subject_erasures e left join govflow.erasure_receipts r on r.request_id = e.id where e.subject_ref = $1 order by e.id`,
  },
];

export interface TableRows {
  name: string;
  description: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

/** Runs every EXPORT_TABLES query for the person; a table absent from this schema is skipped. */
export async function gatherTables(pool: pg.Pool, id: string, subjectRef: string): Promise<TableRows[]> {
  const out: TableRows[] = [];
  for (const t of EXPORT_TABLES) {
    const present = await pool.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [`govflow.${t.name === 'erasure_requests' ? 'subject_erasures' : t.name}`]);
    if (!present.rows[0]?.ok) continue;
    const r = await pool.query(t.sql, [t.by === 'id' ? id : subjectRef]);
    out.push({ name: t.name, description: t.description, columns: r.fields.map((f) => f.name), rows: r.rows });
  }
  return out;
}
