import type { AuditRule } from './rule';
import { deniedAccess, deniedAdminAction } from './denied-attempts';
import { bruteForce } from './brute-force';
import { successAfterFailures } from './success-after-failures';
import { abacViolation, rbacViolation } from './access-control';
import { sovereigntyBreach } from './sovereignty';
import { deactivatedPrincipal, unknownPrincipal } from './principals';
import { bulkExport } from './bulk-export';
import { privilegedAction } from './privileged-actions';
import { anonymousAccess } from './anonymous-access';

/** Every audit rule, in the order they run and are listed. */
export const AUDIT_RULES: AuditRule[] = [
  deniedAccess,
  deniedAdminAction,
  bruteForce,
  successAfterFailures,
  rbacViolation,
  abacViolation,
  sovereigntyBreach,
  unknownPrincipal,
  deactivatedPrincipal,
  bulkExport,
  privilegedAction,
  anonymousAccess,
];

export type { AuditRule, RuleContext } from './rule';

/** A rule as a report shows it: id, plain-language name, what to do about a finding. */
export interface RuleGuide {
  id: string;
  name: string;
  action: string;
}

/**
 * Consent violations are found by the consent step, not an audit rule, but a report lists them
 * beside the rules, under this id.
 */
export const CONSENT_VIOLATION_GUIDE: RuleGuide = {
  id: 'consent_violation',
  name: 'Processing without consent',
  action: "Stop that purpose's processing for the people concerned, check the consent source, and record it in the record of processing (GDPR art. 30).",
};

/** Every rule's guide by id; a rule no longer defined (an old finding's) falls back to its id. */
export function ruleGuide(id: string): RuleGuide {
  if (id === CONSENT_VIOLATION_GUIDE.id) return CONSENT_VIOLATION_GUIDE;
  const rule = AUDIT_RULES.find((r) => r.id === id);
  return rule ? { id, name: rule.name, action: rule.action } : { id, name: id, action: 'Review the finding with the rule owner.' };
}
