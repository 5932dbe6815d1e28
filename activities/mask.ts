import type { ActivityDeps } from './deps';
import { tableMasker } from '../masking/mask-tables';

// mask: the Temporal-facing step. How the window's access events and audit trail become the
// analytics-safe tables (set-based or row by row, the vault, consent exclusions) is
// masking/mask-tables.ts.
export function maskActivities(deps: ActivityDeps) {
  const { mask } = tableMasker(deps);
  return { mask };
}
