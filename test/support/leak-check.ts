import pg from 'pg';
import type { Harness } from './harness';

// Where a leak is looked for: every non-raw table of the govflow schema and a workflow's
// Temporal history with its payloads decoded. Shared by the canary test and the field cases.

/** Raw tables (and the vault's raw side) that may hold personal data by design. */
export const RAW_TABLES = /^(access_events.*|audit_trail_events|consent_events|consent_state|consent_withdrawals|erasure_requests|rejected_records|subject_erasures|access_requests|ingested_files)$/;
// (erased_identifiers is checked like every other table: it holds hashes only.)

/** A workflow's full history as JSON, with every payload's bytes shown as text. */
export async function historyJson(h: Harness, workflowId: string): Promise<string> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  // Payload bytes arrive base64-encoded: decode them, or a plain-text canary could hide inside.
  return JSON.stringify(history, (k, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : k === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
  );
}

/** Every row of every non-raw table in the govflow schema, as JSON text per table. */
export async function nonRawTables(h: Harness): Promise<Record<string, string>> {
  const tables = await h.sql(`select table_name from information_schema.tables where table_schema = 'govflow' and table_type = 'BASE TABLE'`);
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const name = String(table_name);
    if (RAW_TABLES.test(name)) continue;
    const rows = await h.sql(`select coalesce(json_agg(t)::text, '') as dump from govflow.${pg.escapeIdentifier(name)} t`);
    out[name] = String(rows[0]!.dump);
  }
  return out;
}
