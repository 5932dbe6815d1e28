import type { SourceKind } from '../config/config';
import type { Policy } from '../policy/policy';
import { checkAccess, checkAuditTrail, checkConsent, type Checked } from './records';

export type RecordChecker = (obj: unknown) => Checked<{ event_id: string | null; occurred_at: string }>;

/** The record check for each kind, bound to the policy's purposes (an unknown purpose is quarantined). */
export function recordCheckers(policy: Policy): Record<SourceKind, RecordChecker> {
  const purposes = new Set(policy.purposes.map((p) => p.id));
  return {
    access: (o) => checkAccess(o, purposes),
    audit: (o) => checkAuditTrail(o),
    consent: (o) => checkConsent(o, purposes),
  };
}
