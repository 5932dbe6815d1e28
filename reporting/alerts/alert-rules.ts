import { SEVERITIES, type AlertsPolicy, type Severity } from '../../policy/alerts';

// Which of a window's findings count towards an alert, by the policy's rules: a rule may be
// switched off or given its own severity threshold; consent violations count at their own
// configured severity. Pure, so it is unit-tested without a database.

const rank = (s: string) => SEVERITIES.indexOf(s as Severity);

export interface Qualifying {
  total: number;
  worst: Severity;
  /** Aggregates only, e.g. "denied_access (medium): 4; consent violations (high): 2". */
  summary: string;
}

export function qualifyingFindings(
  policy: Pick<AlertsPolicy, 'minSeverity' | 'rules' | 'consentViolations'>,
  findings: Array<{ rule: string; severity: string; n: number }>,
  consentViolations: number,
): Qualifying {
  const parts: string[] = [];
  let total = 0;
  let worst: Severity = 'low';
  const count = (label: string, severity: Severity, n: number) => {
    total += n;
    if (rank(severity) > rank(worst)) worst = severity;
    parts.push(`${label} (${severity}): ${n}`);
  };
  const sorted = [...findings].sort((a, b) => rank(b.severity) - rank(a.severity) || a.rule.localeCompare(b.rule));
  for (const f of sorted) {
    const rule = policy.rules[f.rule];
    if (rule && !rule.enabled) continue;
    if (rank(f.severity) < rank(rule?.minSeverity ?? policy.minSeverity)) continue;
    count(f.rule, f.severity as Severity, f.n);
  }
  const cv = policy.consentViolations;
  if (cv.enabled && consentViolations > 0 && rank(cv.severity) >= rank(policy.minSeverity)) {
    count('consent violations', cv.severity, consentViolations);
  }
  return { total, worst, summary: parts.length ? parts.join('; ') : 'nothing qualifies' };
}
