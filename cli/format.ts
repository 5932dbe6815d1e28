import type { GovernanceResult } from '../workflows/governance';
import type { TaskStatus } from '../workflow-safe/dag';
import { delivered, describeDelivery, type SourceDelivery } from '../ingest/source-delivery';

// How runs look in a terminal. Counts and pseudonymous keys only: nothing here can print PII.

const STATE_MARK: Record<string, string> = {
  pending: '·', running: '…', success: '✓', failed: '✗', skipped: '↷', upstream_failed: '⊘',
};

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function formatCounts(counts: Record<string, number> | undefined): string {
  if (!counts) return '';
  return Object.entries(counts)
    .filter(([k]) => k !== 'rowsIn' && k !== 'rowsOut')
    .map(([k, v]) => `${k}=${v.toLocaleString('en-US')}`)
    .join(' ');
}

export function formatTaskTable(tasks: Record<string, TaskStatus>): string {
  const width = Math.max(...Object.keys(tasks).map((t) => t.length));
  return Object.entries(tasks)
    .map(([id, t]) => {
      const line = `  ${STATE_MARK[t.state] ?? '?'} ${id.padEnd(width)}  ${t.state.padEnd(15)} ${formatDuration(t.durationMs).padStart(8)}  ${formatCounts(t.counts)}`;
      if (t.error) return `${line}\n      error: ${t.error}`;
      return t.reason ? `${line}\n      ${t.reason}` : line;
    })
    .join('\n');
}

/**
 * Every configured source with what it delivered: a source that delivered nothing (missing, not a
 * file, matched nothing, unreadable, empty) is marked ✗ and named with its path.
 */
export function formatSources(sources: SourceDelivery[] | undefined): string[] {
  if (!sources) return ['  sources              not ingested by this run (ingest did not run)'];
  const width = Math.max(0, ...sources.map((d) => d.source.length));
  const lines = sources.map((d) => `    ${delivered(d) ? '✓' : '✗'} ${d.source.padEnd(width)}  ${d.kind.padEnd(7)} ${describeDelivery(d)}`);
  const short = sources.filter((d) => !delivered(d));
  const head = short.length
    ? `  sources              INCOMPLETE: ${short.length} of ${sources.length} sources did not deliver in full (${short.map((d) => d.source).join(', ')})`
    : `  sources              ${sources.length} of ${sources.length} delivered`;
  return [head, ...lines];
}

export function formatRunSummary(r: GovernanceResult, uiUrl?: string): string {
  const k = r.kpis;
  const rules = Object.entries(k.findings.byRule).map(([rule, n]) => `${rule}: ${n}`).join(', ') || 'none';
  const lines = [
    `governance run ${r.workflowId}: ${r.status.toUpperCase()}`,
    `  window  ${r.window.start} → ${r.window.end}   trigger ${r.trigger}   policy ${r.policyHash.slice(0, 12)}`,
    '',
    formatTaskTable(r.tasks),
    '',
    `  events ingested      ${k.eventsIngested.toLocaleString('en-US')} (${k.eventsInWindow.toLocaleString('en-US')} in window)`,
    `  records rejected     ${k.recordsRejected.toLocaleString('en-US')}`,
    `  audit findings       ${k.findings.total.toLocaleString('en-US')} (${rules})`,
    `  consent violations   ${k.consentViolations.toLocaleString('en-US')}`,
    `  masked events        ${k.maskedEvents.toLocaleString('en-US')}`,
    `  alerts raised        ${k.alertsRaised.toLocaleString('en-US')}`,
    ...formatSources(r.sources),
  ];
  if (uiUrl) lines.push('', `  Temporal UI: ${uiUrl}`);
  return lines.join('\n');
}
