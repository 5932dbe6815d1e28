import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SCHEDULED_START_TIME, TRIGGER, VIOLATIONS, WINDOW_START } from '../workflow-safe/search-attributes';
import type { Window } from '../workflow-safe/window';

// What makes a run findable in the Temporal UI and with `govflow runs --query`.

/** The schedule's action time, when a schedule started this run. */
export function scheduledStartTime(): Date | undefined {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
}

export function markRunStarted(window: Window, trigger: string): void {
  upsertSearchAttributes([
    { key: WINDOW_START, value: new Date(window.start) },
    { key: TRIGGER, value: trigger },
  ]);
}

/** How the run ended is Temporal's ExecutionStatus; govflow adds only what Temporal cannot know. */
export function markRunFinished(violations: number): void {
  upsertSearchAttributes([{ key: VIOLATIONS, value: violations }]);
}
