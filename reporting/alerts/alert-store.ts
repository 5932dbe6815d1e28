import { sql } from 'kysely';
import type { Db } from '../../db/pool';

// The alerts table as the escalation workflow's activities and the `govflow alerts` command see it.

export interface AlertRow {
  id: number;
  dedupe_key: string;
  severity: string;
  title: string;
  summary: string;
  status: 'open' | 'acknowledged' | 'resolved';
  window_start: Date;
  window_end: Date;
  workflow_id: string;
  occurrences: number;
  first_seen: Date;
  last_seen: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  escalated_at: Date | null;
  /** Names the alert's escalation workflow (escalationWorkflowId). */
  uid: string;
}

export async function getAlert(db: Db, id: number): Promise<AlertRow | undefined> {
  const { rows } = await sql<AlertRow>`select * from govflow.alerts where id = ${id}`.execute(db);
  return rows[0];
}

export async function listAlerts(db: Db, status?: string, limit = 50): Promise<AlertRow[]> {
  const { rows } = await sql<AlertRow>`
    select * from govflow.alerts where (${status ?? null}::text is null or status = ${status ?? null})
    order by last_seen desc, id desc limit ${limit}`.execute(db);
  return rows;
}

/** Marks an alert acknowledged; acknowledging twice keeps the first acknowledgement. */
export async function acknowledgeAlertRow(db: Db, id: number, by: string): Promise<AlertRow | undefined> {
  await sql`
    update govflow.alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = ${by}
    where id = ${id} and status = 'open'`.execute(db);
  return getAlert(db, id);
}
