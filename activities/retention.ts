import type { ActivityDeps } from './deps';
import { retentionPurger, vaultPurger } from '../lifecycle/retention';

export type { RetentionClassResult, RetentionInput } from '../lifecycle/retention';

// The retentionRun workflow's activities: one per table class of the policy's `retention`
// section, so the Temporal UI shows each class's purge (and its retries) on its own. What a purge
// removes and keeps is lifecycle/retention.ts.
export function retentionActivities(deps: ActivityDeps) {
  const purgeClass = retentionPurger(deps);
  return {
    retentionVaultEntries: vaultPurger(deps),
    retentionAccessEvents: purgeClass('accessEvents'),
    retentionAuditTrail: purgeClass('auditTrail'),
    retentionMaskedEvents: purgeClass('maskedEvents'),
    retentionFindings: purgeClass('findings'),
    retentionConsentLedger: purgeClass('consentLedger'),
    retentionRejectedRecords: purgeClass('rejectedRecords'),
    retentionReports: purgeClass('reports'),
  };
}
