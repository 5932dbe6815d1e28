import type { ActivityDeps } from './deps';
import { deriveConsent } from '../consent/derive';

// consent: the Temporal-facing step. What it derives from the consent ledger (consent state,
// violations, withdrawals, the consent log) is consent/derive.ts.
export function consentActivities(deps: ActivityDeps) {
  const { consent } = deriveConsent(deps);
  return { consent };
}
