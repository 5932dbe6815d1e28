import { SEVERITIES, type Severity } from '../policy/alerts';
import { delivered, describeDelivery, type SourceDelivery } from '../ingest/source-delivery';

// What a DPO reads first in a compliance report, derived from the window's figures: the verdict
// line, violations by severity (audit findings and consent violations together, the way the alert
// counts them), the alert's status and owner, masking coverage that tells a person's refusal from
// a gap, and what to do next per severity. Pure: unit-tested without a database.

export type VerdictStatus = 'clean' | 'non-compliant' | 'incomplete';

export interface Verdict {
  status: VerdictStatus;
  /** One line, e.g. "Non-compliant: 1 critical and 2 high findings, 2 consent violations; alert #3 open, not acknowledged". */
  line: string;
}

export interface SeverityRow {
  severity: Severity;
  findings: number;
  consentViolations: number;
  total: number;
}

export interface ViolationsBySeverity {
  /** Most severe first; every level, zeros included. */
  rows: SeverityRow[];
  findings: number;
  consentViolations: number;
  total: number;
  /** How many of them the window's alert counts (the policy may leave low ones or some rules out). */
  alertCounts: number;
}

/** The window's alert row as the report needs it (the alerts table, at the time of the report). */
export interface AlertSnapshot {
  id: number;
  severity: string;
  status: 'open' | 'acknowledged' | 'resolved';
  firstSeen: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
}

export interface AlertPeople {
  /** Notified first (recipients.alerts, else recipients.compliance). */
  firstLine: string[];
  /** Notified when the SLA passes unacknowledged (recipients.escalation). */
  escalation: string[];
  /** Receive the report (recipients.compliance). */
  compliance: string[];
}

export interface AlertStatus {
  raised: boolean;
  id: number | null;
  severity: string | null;
  /** open | acknowledged | escalated | resolved | none */
  state: string;
  /** Who owns it now: who acknowledged it, else the line it is waiting on. */
  owner: string;
  line: string;
}

export interface NextStep {
  /** A severity, or `data` for a source that did not deliver. */
  topic: string;
  count: number;
  step: string;
  owner: string;
}

export interface Masking {
  /** Access events in the window. */
  eligible: number;
  /** Left out on purpose: the person's analytics consent is withdrawn. */
  excludedByConsent: number;
  /** Events that should have an analytics-safe copy: eligible less excluded. */
  toMask: number;
  masked: number;
  /** A real gap: events that should have a copy and have none. */
  notMasked: number;
}

const n = (v: number) => v.toLocaleString('en-US');
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${v === 1 ? one : many}`;
const when = (iso: string) => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'nobody configured');
const bySeverityDesc = [...SEVERITIES].reverse();

/**
 * Audit findings and consent violations by severity, consent violations at the severity the
 * alert policy gives them (`alerts.consentViolations.severity`): the same total the alert sees.
 */
export function violationsBySeverity(
  findingsByRule: Array<{ severity: string; n: number }>,
  consentViolations: number,
  consentSeverity: Severity,
  alertCounts: number,
): ViolationsBySeverity {
  const rows = bySeverityDesc.map((severity) => {
    const findings = findingsByRule.filter((f) => f.severity === severity).reduce((s, f) => s + f.n, 0);
    const cv = severity === consentSeverity ? consentViolations : 0;
    return { severity, findings, consentViolations: cv, total: findings + cv };
  });
  const findings = rows.reduce((s, r) => s + r.findings, 0);
  return { rows, findings, consentViolations, total: findings + consentViolations, alertCounts };
}

/** Masking figures with the consent exclusions apart: only `notMasked` is a gap. */
export function maskingCoverage(eligible: number, masked: number, excludedByConsent: number): Masking {
  const toMask = Math.max(0, eligible - excludedByConsent);
  return { eligible, excludedByConsent, toMask, masked, notMasked: Math.max(0, toMask - masked) };
}

/**
 * The alert's status and owner in a line. `alertTask` is the state of this run's alert step;
 * `qualifying` and `minFindings` explain a window that raised none.
 */
export function alertStatus(
  alert: AlertSnapshot | undefined,
  people: AlertPeople,
  sla: Partial<Record<string, string>>,
  slaMs: (duration: string) => number,
  why: { alertTask?: string; qualifying: number; minFindings: number; workflowId: string },
): AlertStatus {
  if (!alert) {
    const none = { raised: false, id: null, severity: null, state: 'none', owner: list(people.compliance) };
    if (why.alertTask === 'failed') {
      return { ...none, line: `No alert: the alert task failed in this run; retry it with govflow replay ${why.workflowId}` };
    }
    if (why.alertTask && why.alertTask !== 'success') return { ...none, line: `No alert recorded: the alert task is ${why.alertTask.replace('_', ' ')}` };
    if (why.qualifying === 0) return { ...none, line: 'No alert: nothing in this window meets the alert policy' };
    return { ...none, line: `No alert: ${plural(why.qualifying, 'finding')} qualify, below the policy's threshold of ${why.minFindings}` };
  }
  const head = `Alert #${alert.id} (${alert.severity})`;
  const ack = `acknowledge with: govflow alerts ack ${alert.id}`;
  if (alert.status === 'acknowledged') {
    const at = alert.acknowledgedAt ? ` at ${when(alert.acknowledgedAt)}` : '';
    const esc = alert.escalatedAt ? `, after escalation at ${when(alert.escalatedAt)}` : '';
    return { raised: true, id: alert.id, severity: alert.severity, state: 'acknowledged', owner: alert.acknowledgedBy ?? 'unknown', line: `${head}: acknowledged by ${alert.acknowledgedBy ?? 'unknown'}${at}${esc}` };
  }
  if (alert.status === 'resolved') {
    return { raised: true, id: alert.id, severity: alert.severity, state: 'resolved', owner: alert.acknowledgedBy ?? list(people.firstLine), line: `${head}: resolved` };
  }
  if (alert.escalatedAt) {
    return {
      raised: true, id: alert.id, severity: alert.severity, state: 'escalated', owner: list(people.escalation),
      line: `${head}: ESCALATED at ${when(alert.escalatedAt)} to ${list(people.escalation)}, not acknowledged; ${ack}`,
    };
  }
  const within = sla[alert.severity];
  const deadline = within ? ` at ${when(new Date(Date.parse(alert.firstSeen) + slaMs(within)).toISOString())}` : '';
  return {
    raised: true, id: alert.id, severity: alert.severity, state: 'open', owner: list(people.firstLine),
    line: `${head}: open, not acknowledged; with ${list(people.firstLine)}, escalates to ${list(people.escalation)}${within ? ` after ${within}` : ''}${deadline}; ${ack}`,
  };
}

/** The one line at the top of the report. */
export function complianceVerdict(v: ViolationsBySeverity, sources: SourceDelivery[], alert: AlertStatus): Verdict {
  const short = sources.filter((d) => !delivered(d));
  // One source: what and where; several: names and states (the report's table gives each path).
  const shortLine = short.length === 1
    ? `${short[0]!.source} ${describeDelivery(short[0]!)}`
    : `${short.length} sources did not deliver: ${short.map((d) => `${d.source} (${d.state.replace(/-/g, ' ')})`).join(', ')}`;
  if (v.total > 0) {
    const levels = v.rows.filter((r) => r.findings > 0).map((r) => `${n(r.findings)} ${r.severity}`);
    const parts: string[] = [];
    if (v.findings > 0) parts.push(`${levels.join(', ')} ${v.findings === 1 ? 'finding' : 'findings'}`);
    if (v.consentViolations > 0) parts.push(plural(v.consentViolations, 'consent violation'));
    let line = `Non-compliant: ${parts.join(', ')}; ${alert.raised ? alert.line.replace(/; acknowledge with: .*$/, '') : alert.line}`;
    if (short.length) line += `. Data incomplete: ${shortLine}`;
    return { status: 'non-compliant', line };
  }
  if (short.length) {
    return { status: 'incomplete', line: `Incomplete: ${shortLine}. No findings in what was delivered, but the window cannot be called clean` };
  }
  return { status: 'clean', line: `Clean: no audit findings, no consent violations; all ${plural(sources.length, 'source')} delivered` };
}

/**
 * What to do next, per severity present in the window (most severe first) and per source that did
 * not deliver, with who owns it. The deadlines are the policy's alert SLAs.
 */
export function nextSteps(v: ViolationsBySeverity, sources: SourceDelivery[], alert: AlertStatus, people: AlertPeople, sla: Partial<Record<string, string>>, window: { start: string; end: string }): NextStep[] {
  const alertRef = alert.id !== null ? `alert #${alert.id}` : 'the alert';
  const within = (s: string) => (sla[s] ? `Within ${sla[s]}: ` : '');
  const steps: Record<Severity, (count: number) => Omit<NextStep, 'topic' | 'count'>> = {
    critical: () => ({
      step: `${within('critical')}acknowledge ${alertRef}, contain (suspend the principal, key or export involved), and decide with the DPO whether it is a personal-data breach to notify within 72 hours (GDPR art. 33).`,
      owner: list(people.firstLine),
    }),
    high: () => ({
      step: `${within('high')}investigate each finding with the principal's manager; revoke access that was not legitimate; note the outcome on ${alertRef}.`,
      owner: list(people.firstLine),
    }),
    medium: () => ({
      step: `${within('medium')}review the findings; correct the grant, or the policy where the access was expected.`,
      owner: list(people.compliance),
    }),
    low: () => ({
      step: `${within('low')}review at the next governance review; tune rules that only make noise.`,
      owner: list(people.compliance),
    }),
  };
  const out: NextStep[] = v.rows.filter((r) => r.total > 0).map((r) => ({ topic: r.severity, count: r.total, ...steps[r.severity](r.total) }));
  for (const d of sources.filter((s) => !delivered(s))) {
    out.push({
      topic: 'data',
      count: 1,
      step: `Find out why source ${d.source} did not deliver (${describeDelivery(d)}), then run the window again (govflow run --from ${window.start} --to ${window.end}); files already loaded are not loaded twice.`,
      owner: list(people.compliance),
    });
  }
  return out;
}
