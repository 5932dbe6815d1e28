import type { ActivityDeps } from './deps';
import { auditRuleRunner } from '../audit/run-rules';

// audit: the Temporal-facing step. What it finds (every rule of audit/rules/ over the window,
// grouped into incidents) is audit/run-rules.ts.
export function auditActivities(deps: ActivityDeps) {
  const { audit } = auditRuleRunner(deps);
  return { audit };
}
