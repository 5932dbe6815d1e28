import { sql } from 'kysely';
import { UsageError, stringFlag, type Command } from '../command';
import { loadEnv } from '../../config/config';
import { createDb, createPool, type Db } from '../../db/pool';
import { SEVERITIES, severityRank, type Severity } from '../../policy/policy';
import { AUDIT_RULES } from '../../audit/rules';
import { CONSENT_INCIDENT_RULE, topIncidentsInWindow, type IncidentView } from '../../audit/incidents';

// `govflow findings <workflowId>`: the audit findings of a run's window, most severe first, each
// with the events it cites so a reviewer can trace it. Pseudonymous keys only: no raw identifier
// is stored in a finding, so none can be printed. With --incidents: the incidents those findings
// (and the window's consent violations) form (audit/incidents.ts), each with its first findings' ids.

export interface FindingView {
  id: number;
  rule: string;
  severity: Severity;
  occurredAt: string;
  description: string;
  principalKey: string | null;
  subjectKey: string | null;
  evidence: Array<{ table: string; source: string; event_id: string }>;
  dedupeKey: string;
}

async function runWindow(db: Db, workflowId: string): Promise<{ window_start: Date; window_end: Date } | undefined> {
  const { rows: runs } = await sql<{ window_start: Date; window_end: Date }>`
    select window_start, window_end from govflow.runs where workflow_id = ${workflowId}
    order by started_at desc limit 1`.execute(db);
  return runs[0];
}

/** The incidents of a run's window, most severe first; undefined when there is no such run. */
export async function runIncidents(db: Db, workflowId: string, filter: { rule?: string; minSeverity?: Severity }): Promise<IncidentView[] | undefined> {
  const run = await runWindow(db, workflowId);
  if (!run) return undefined;
  const severities = SEVERITIES.filter((s) => severityRank(s) >= severityRank(filter.minSeverity ?? 'low'));
  return topIncidentsInWindow(db, { start: run.window_start.toISOString(), end: run.window_end.toISOString() }, undefined, { rule: filter.rule, severities });
}

export function formatIncidents(incidents: IncidentView[]): string[] {
  if (incidents.length === 0) return ['  no incidents'];
  const lines: string[] = [];
  for (const i of incidents) {
    lines.push(`  ${i.severity.toUpperCase().padEnd(8)} #${String(i.id).padEnd(6)} ${i.rule.padEnd(22)} ${i.findings} finding(s)  ${i.firstSeen} – ${i.lastSeen}`);
    lines.push(`           about ${i.about}  (bucket ${i.bucketStart} – ${i.bucketEnd}${i.growths ? `, grew ${i.growths}x` : ''})`);
    lines.push(`           ${i.description}; findings ${i.sampleFindingIds.join(', ')}${i.findings > i.sampleFindingIds.length ? ` (+${i.findings - i.sampleFindingIds.length} more)` : ''}`);
  }
  return lines;
}

export async function runFindings(db: Db, workflowId: string, filter: { rule?: string; minSeverity?: Severity }): Promise<FindingView[] | undefined> {
  const run = await runWindow(db, workflowId);
  if (!run) return undefined;
  const severities = SEVERITIES.filter((s) => severityRank(s) >= severityRank(filter.minSeverity ?? 'low'));
  const { rows } = await sql<{
    id: number; rule: string; severity: Severity; occurred_at: Date; description: string;
    principal_key: string | null; subject_key: string | null; evidence: FindingView['evidence']; dedupe_key: string;
  }>`
    select id, rule, severity, occurred_at, description, principal_key, subject_key, evidence, dedupe_key
    from govflow.audit_findings
    where occurred_at >= ${run.window_start} and occurred_at < ${run.window_end}
      and severity = any(${severities}::text[])
      and (${filter.rule ?? null}::text is null or rule = ${filter.rule ?? null}::text)
    order by array_position(${[...SEVERITIES]}::text[], severity) desc, occurred_at, id`.execute(db);
  return rows.map((r) => ({
    id: Number(r.id),
    rule: r.rule,
    severity: r.severity,
    occurredAt: new Date(r.occurred_at).toISOString(),
    description: r.description,
    principalKey: r.principal_key,
    subjectKey: r.subject_key,
    evidence: r.evidence,
    dedupeKey: r.dedupe_key,
  }));
}

const EVIDENCE_SHOWN = 5;

export function formatFindings(findings: FindingView[]): string[] {
  if (findings.length === 0) return ['  no findings'];
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.rule.padEnd(22)} ${f.occurredAt}  ${f.description}`);
    const who = [f.principalKey && `principal ${f.principalKey}`, f.subjectKey && `subject ${f.subjectKey}`].filter(Boolean).join('  ');
    if (who) lines.push(`           ${who}`);
    const refs = f.evidence.slice(0, EVIDENCE_SHOWN).map((e) => `${e.table}:${e.source}:${e.event_id}`);
    const more = f.evidence.length > EVIDENCE_SHOWN ? ` (+${f.evidence.length - EVIDENCE_SHOWN} more)` : '';
    lines.push(`           evidence ${refs.join(', ')}${more}`);
  }
  return lines;
}

export const findingsCommand: Command = {
  name: 'findings',
  usage: 'findings <workflowId> [--incidents] [--rule ID] [--severity LEVEL] [--json]',
  summary: "list a run's audit findings (pseudonymous), or the incidents they form, most severe first",
  options: {
    incidents: { type: 'boolean', description: 'list incidents (findings grouped by rule, what it is about and time bucket) instead of findings' },
    rule: { type: 'string', arg: 'ID', values: [...AUDIT_RULES.map((r) => r.id), CONSENT_INCIDENT_RULE], description: 'only findings (or incidents) of this rule' },
    severity: { type: 'string', arg: 'LEVEL', values: SEVERITIES, description: 'only findings at or above this severity' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const workflowId = ctx.args[0];
    if (!workflowId) throw new UsageError('findings needs a workflow id: govflow findings <workflowId> [--rule ID] [--severity LEVEL]');
    // --rule and --severity are checked (case-insensitively) against their declared values.
    const rule = stringFlag(ctx, 'rule');
    const severity = stringFlag(ctx, 'severity');
    const db = createDb(createPool(loadEnv().databaseUrl, 2));
    try {
      const filter = { rule, minSeverity: severity as Severity | undefined };
      const filters = [rule && `rule ${rule}`, severity && `severity ≥ ${severity}`].filter(Boolean).join(', ');
      if (ctx.flags.incidents === true) {
        const incidents = await runIncidents(db, workflowId, filter);
        if (!incidents) {
          ctx.err(`govflow: no run "${workflowId}" in the database (see govflow status, or the runs table)`);
          return 1;
        }
        if (ctx.flags.json === true) ctx.out(JSON.stringify(incidents, null, 2));
        else {
          ctx.out(`${workflowId}: ${incidents.length} incident${incidents.length === 1 ? '' : 's'}${filters ? ` (${filters})` : ''}`);
          for (const line of formatIncidents(incidents)) ctx.out(line);
        }
        return 0;
      }
      const findings = await runFindings(db, workflowId, filter);
      if (!findings) {
        ctx.err(`govflow: no run "${workflowId}" in the database (see govflow status, or the runs table)`);
        return 1;
      }
      if (ctx.flags.json === true) ctx.out(JSON.stringify(findings, null, 2));
      else {
        ctx.out(`${workflowId}: ${findings.length} finding${findings.length === 1 ? '' : 's'}${filters ? ` (${filters})` : ''}`);
        for (const line of formatFindings(findings)) ctx.out(line);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
