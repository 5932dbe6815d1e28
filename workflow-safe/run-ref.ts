import type { Window } from './window';

/** What every step activity receives: identifiers and a window, never data (architecture rule 1, docs/architecture.md). */
export interface RunRef {
  workflowId: string;
  runId: string;
  window: Window;
  /**
   * The span one alert covers, when it is wider than the window: a stream groups its batches'
   * findings into one alert per clock hour, so the governance team hears once, not per batch.
   */
  alertSpan?: Window;
}
