// The audit findings the bundled sample (examples/ under policy.yaml) yields in its window, by rule:
// 4 denied accesses; 3 denied audit-trail actions (two failed logins, a denied StopLogging-like
// call); contractor-x logging in after two failures, while deactivated; svc-ads reading IP
// addresses for advertising (no role allows it); six reads of EU residents' data from us-east-1;
// one 250 000-row export; a role grant and an attempt to stop audit logging.
export const SAMPLE_FINDINGS_BY_RULE = {
  bulk_export: 1,
  deactivated_principal: 1,
  denied_access: 4,
  denied_admin_action: 3,
  privileged_action: 2,
  rbac_violation: 1,
  sovereignty_breach: 6,
  success_after_failures: 1,
};
