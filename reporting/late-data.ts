import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { RunRef } from '../workflow-safe/run-ref';
import type { Window } from '../workflow-safe/window';

// What a report says about late data (ingest/late-windows.ts): a revision run's report is
// marked revised, with what arrived late and which run found it; a run that found late rows for
// earlier windows lists them and the revision runs that govern them again. Counts and ids only.

export interface LateRows { access: number; audit: number; consent: number; total: number }

export interface ReportRevision {
  reason: string;
  /** The run that found the late rows. */
  detectedBy: string;
  /** When the window had last been governed before the late rows arrived. */
  governedAt: string;
  lateRows: LateRows;
}

export interface LateDataFound {
  /** Late rows for earlier windows that this run found, over all of them. */
  lateRows: LateRows;
  windows: Array<{ window: Window; revisionWorkflowId: string; lateRows: LateRows }>;
}

interface Row {
  window_start: Date; window_end: Date; reason: string; detected_by: string; revision_workflow_id: string; governed_at: Date;
  late_access_events: number; late_audit_events: number; late_consent_events: number;
}

const rowsOf = (r: Row): LateRows => ({
  access: r.late_access_events, audit: r.late_audit_events, consent: r.late_consent_events,
  total: r.late_access_events + r.late_audit_events + r.late_consent_events,
});

/** The revision a run is (undefined for a first governance of its window). */
export async function reportRevision(db: Db, run: RunRef): Promise<ReportRevision | undefined> {
  if (!run.revision) return undefined;
  const { rows } = await sql<Row>`
    select * from govflow.regoverned_windows where revision_workflow_id = ${run.workflowId}
    order by detected_at desc limit 1`.execute(db);
  const r = rows[0];
  const lateRows = r ? rowsOf(r) : { access: 0, audit: 0, consent: 0, total: 0 };
  return { reason: run.revision.reason, detectedBy: run.revision.detectedBy, governedAt: r ? r.governed_at.toISOString() : '', lateRows };
}

/** The earlier windows a run found late rows for (to be governed again after its own DAG). */
export async function lateDataFound(db: Db, workflowId: string): Promise<LateDataFound> {
  const { rows } = await sql<Row>`
    select * from govflow.regoverned_windows where detected_by = ${workflowId} order by window_start, window_end`.execute(db);
  const windows = rows.map((r) => ({
    window: { start: r.window_start.toISOString(), end: r.window_end.toISOString() }, revisionWorkflowId: r.revision_workflow_id, lateRows: rowsOf(r),
  }));
  const lateRows = windows.reduce((s, w) => ({
    access: s.access + w.lateRows.access, audit: s.audit + w.lateRows.audit, consent: s.consent + w.lateRows.consent, total: s.total + w.lateRows.total,
  }), { access: 0, audit: 0, consent: 0, total: 0 });
  return { lateRows, windows };
}
