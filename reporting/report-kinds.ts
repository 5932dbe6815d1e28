// The reports a run produces, by the name stored in govflow.reports.kind and the short name the
// CLI accepts (`govflow report <id> --kind compliance`).

export const COMPLIANCE_REPORT = 'compliance-report';
export const ACCESS_AUDIT_REPORT = 'access-audit';
export const CONSENT_LOG_REPORT = 'consent-log';

export const REPORT_KINDS = [COMPLIANCE_REPORT, ACCESS_AUDIT_REPORT, CONSENT_LOG_REPORT] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_TITLES: Record<ReportKind, string> = {
  [COMPLIANCE_REPORT]: 'Compliance report',
  [ACCESS_AUDIT_REPORT]: 'Access audit summary',
  [CONSENT_LOG_REPORT]: 'Consent management log',
};

/** Accepts the stored name or its short form: compliance, access-audit, consent-log. */
export function reportKind(name: string): ReportKind | undefined {
  const n = name === 'compliance' ? COMPLIANCE_REPORT : name;
  return (REPORT_KINDS as readonly string[]).includes(n) ? (n as ReportKind) : undefined;
}
