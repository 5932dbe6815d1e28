import { sql } from 'kysely';
import type { ActivityDeps } from '../../config/deps';
import type { RunRef } from '../../workflow-safe/run-ref';

// Run deadlines, like Airflow's deadline alerts: a run still going after its deadline raises one
// alert (dedupe key per workflow, so a retry or a reset run updates it) and keeps running.

export interface DeadlineAlertInput extends RunRef {
  deadlineSeconds: number;
  startedAt: string;
}

/** A run's deadline and its alert (activities/deadline.ts is their Temporal-facing shell). */
export function deadlineAlerts({ db, config }: ActivityDeps) {
  const runs = config.policy.policy.runs;
  return {
    /** The policy's deadline, for runs whose input names none. */
    async runDeadline(): Promise<{ deadlineSeconds: number }> {
      return { deadlineSeconds: runs.deadlineMinutes * 60 };
    },

    async raiseDeadlineAlert(input: DeadlineAlertInput): Promise<{ inserted: boolean }> {
      const dedupeKey = `deadline:${input.workflowId}`;
      const title = `Run ${input.workflowId} has exceeded its ${formatSeconds(input.deadlineSeconds)} deadline`;
      const summary = `The governance run for ${input.window.start} – ${input.window.end}, started ${input.startedAt}, is still running; it has not been stopped.`;
      const result = await sql<{ inserted: boolean }>`
        insert into govflow.alerts (dedupe_key, severity, title, summary, window_start, window_end, workflow_id)
        values (${dedupeKey}, ${runs.deadlineSeverity}, ${title}, ${summary},
                ${input.window.start}::timestamptz, ${input.window.end}::timestamptz, ${input.workflowId})
        on conflict (dedupe_key) do update
          set occurrences = govflow.alerts.occurrences + 1, last_seen = now(), title = excluded.title, summary = excluded.summary
        returning (xmax = 0) as inserted`.execute(db);
      return { inserted: result.rows[0]?.inserted === true };
    },
  };
}

function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
