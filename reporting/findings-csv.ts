import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { RunRef } from '../workflow-safe/run-ref';
import { csvLine } from './csv';
import { inWindow } from '../db/sql-window';

// The findings CSV attached to the report email: one line per audit finding and per consent
// violation in the window, naming people only by keyed pseudonym. Capped (policy
// reports.csvMaxRows) so a pathological window cannot make an email too large to deliver.

export const FINDINGS_CSV_HEADER = ['kind', 'rule_or_purpose', 'severity_or_reason', 'occurred_at', 'principal_key', 'subject_key'];

export async function findingsCsv(db: Db, run: RunRef, maxRows: number): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const { rows } = await sql<{ kind: string; rule: string; detail: string; occurred_at: Date; principal_key: string | null; subject_key: string | null }>`
    select * from (
      select 'audit_finding' as kind, rule, severity as detail, occurred_at, principal_key, subject_key
      from govflow.audit_findings f where ${inWindow('f.occurred_at', run.window)}
      union all
      select 'consent_violation', purpose, reason, occurred_at, null, subject_key
      from govflow.consent_violations v where ${inWindow('v.occurred_at', run.window)}
    ) x order by occurred_at, kind, rule limit ${maxRows + 1}`.execute(db);
  const truncated = rows.length > maxRows;
  let csv = csvLine(FINDINGS_CSV_HEADER);
  for (const r of rows.slice(0, maxRows)) csv += csvLine([r.kind, r.rule, r.detail, r.occurred_at, r.principal_key, r.subject_key]);
  return { csv, rows: Math.min(rows.length, maxRows), truncated };
}
