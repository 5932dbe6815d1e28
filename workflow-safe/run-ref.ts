import type { Window } from './window';
import type { Revision } from './run-input';

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
  /** Set when the run governs its window again because of late data (its report is marked revised). */
  revision?: Revision;
}
