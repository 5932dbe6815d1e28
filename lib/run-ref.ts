import type { Window } from './window';

/** What every step activity receives: identifiers and a window, never data (DESIGN rule 1). */
export interface RunRef {
  workflowId: string;
  runId: string;
  window: Window;
}
