import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { Window } from '../workflow-safe/window';
import { parseDurationSeconds } from '../config/duration';
import { withPlanner } from '../db/planner';

// lateWindows: after a run's ingest, the earlier windows that received rows since they were last
// governed. Every raw row records its arrival (ingested_at); a window counts as governed at the
// start of the audit step of its last completed run (the step read the raw tables from then on).
// A window needs re-governing when, since then, it received
// - access or audit-trail events that occurred in it, or
// - consent events that occurred in it (its withdrawals, consent log and erasure queue), or that
//   occurred earlier and bear on one of its accesses (same person and purpose, at or after the
//   consent event's time): the verdict on that access was given without them.
// Windows overlapping the run's own are left out (this run governs that data now). Each window
// found is recorded in regoverned_windows with the late row counts, and the workflow re-governs
// it in a child run (workflows/governance.ts). Ids, windows and counts only. The counts find the
// late rows through BRIN indexes on ingested_at (migration 2026-11-30T2100): pages written since
// the window was governed, not the window's whole day.

/** At most this many windows are re-governed per run; the rest are found again by the next. */
export const MAX_LATE_WINDOWS = 48;

export interface LateWindow {
  window: Window;
  /** The child run that re-governs it. */
  revisionWorkflowId: string;
  lateRows: { access: number; audit: number; consent: number };
}

const compact = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** The id of the run that re-governs `window` because of late data found by `workflowId`. */
export function revisionWorkflowId(workflowId: string, window: Window): string {
  return `${workflowId}-late-${compact(window.start)}-${compact(window.end)}`;
}

/** The lateWindows step over one run (activities/late-windows.ts is its Temporal-facing shell). */
export function lateWindowFinder({ db, config }: ActivityDeps) {
  const lookbackSeconds = parseDurationSeconds(config.policy.policy.runs.lateDataLookback, 'policy.runs.lateDataLookback');

  return {
    async lateWindows(run: RunRef): Promise<LateWindow[]> {
      const w = run.window;
      const since = new Date(Date.parse(w.start) - lookbackSeconds * 1000).toISOString();
      // Without JIT: the consent count's estimate (an EXISTS per consent event) puts the query at
      // ~1e9 cost units, so Postgres JIT-compiled it with inlining and optimisation — 1.5 s at 1M
      // events, to then read nothing when no earlier window is governed (the usual first run).
      // `counted` is materialized so the filter on the counts does not run their subqueries twice.
      const { rows } = await withPlanner(db, { jit: 'off' }, (trx) => sql<{ window_start: Date; window_end: Date; governed_at: Date; access: number; audit: number; consent: number }>`
        with governed as (
          select r.window_start, r.window_end, max(coalesce(t.started_at, r.started_at)) as governed_at
          from govflow.runs r
          left join govflow.task_runs t on t.workflow_id = r.workflow_id and t.run_id = r.run_id and t.task = 'audit'
          where r.dag = 'governance' and r.status = 'completed'
            and r.window_end > ${since}::timestamptz and r.window_end <= ${w.end}::timestamptz
            and not (r.window_start < ${w.end}::timestamptz and r.window_end > ${w.start}::timestamptz)
          group by r.window_start, r.window_end
        ), counted as materialized (
          select g.*,
            (select count(*) from govflow.access_events e
              where e.occurred_at >= g.window_start and e.occurred_at < g.window_end and e.ingested_at > g.governed_at)::int as access,
            (select count(*) from govflow.audit_trail_events t
              where t.occurred_at >= g.window_start and t.occurred_at < g.window_end and t.ingested_at > g.governed_at)::int as audit,
            (select count(*) from govflow.consent_events c
              where c.ingested_at > g.governed_at and c.occurred_at < g.window_end
                and (c.occurred_at >= g.window_start or exists (
                  select 1 from govflow.access_events e
                  where e.subject_id = c.subject_id and e.purpose = c.purpose
                    and e.occurred_at >= g.window_start and e.occurred_at < g.window_end and e.occurred_at >= c.occurred_at)))::int as consent
          from governed g
        )
        select * from counted where access + audit + consent > 0
        order by window_start, window_end limit ${MAX_LATE_WINDOWS}`.execute(trx));

      const late: LateWindow[] = [];
      for (const r of rows) {
        const window = { start: r.window_start.toISOString(), end: r.window_end.toISOString() };
        const revision = revisionWorkflowId(run.workflowId, window);
        await sql`
          insert into govflow.regoverned_windows (window_start, window_end, reason, late_access_events, late_audit_events,
                                                  late_consent_events, governed_at, detected_by, revision_workflow_id)
          values (${window.start}::timestamptz, ${window.end}::timestamptz, 'late-data', ${r.access}, ${r.audit}, ${r.consent},
                  ${r.governed_at}, ${run.workflowId}, ${revision})
          on conflict (detected_by, window_start, window_end) do update
            set late_access_events = excluded.late_access_events, late_audit_events = excluded.late_audit_events,
                late_consent_events = excluded.late_consent_events, governed_at = excluded.governed_at`.execute(db);
        late.push({ window, revisionWorkflowId: revision, lateRows: { access: r.access, audit: r.audit, consent: r.consent } });
      }
      return late;
    },
  };
}
