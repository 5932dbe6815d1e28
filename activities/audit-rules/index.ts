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
