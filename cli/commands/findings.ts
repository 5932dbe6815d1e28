import { sql } from 'kysely';
import { UsageError, stringFlag, type Command } from '../command';
import { loadEnv } from '../../config/config';
import { createDb, createPool, type Db } from '../../db/pool';
import { SEVERITIES, severityRank, type Severity } from '../../policy/policy';
import { AUDIT_RULES } from '../../audit/rules';

// `govflow findings <workflowId>`: the audit findings of a run's window, most severe first, each
// with the events it cites so a reviewer can trace it. Pseudonymous keys only: no raw identifier
// is stored in a finding, so none can be printed.

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

export async function runFindings(db: Db, workflowId: string, filter: { rule?: string; minSeverity?: Severity }): Promise<FindingView[] | undefined> {
  const { rows: runs } = await sql<{ window_start: Date; window_end: Date }>`
    select window_start, window_end from govflow.runs where workflow_id = ${workflowId}
    order by started_at desc limit 1`.execute(db);
  const run = runs[0];
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
  usage: 'findings <workflowId> [--rule ID] [--severity LEVEL] [--json]',
  summary: "list a run's audit findings (pseudonymous), most severe first",
  options: {
    rule: { type: 'string', arg: 'ID', values: AUDIT_RULES.map((r) => r.id), description: 'only findings of this audit rule' },
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
      const findings = await runFindings(db, workflowId, { rule, minSeverity: severity as Severity | undefined });
      if (!findings) {
        ctx.err(`govflow: no run "${workflowId}" in the database (see govflow status, or the runs table)`);
        return 1;
      }
      if (ctx.flags.json === true) ctx.out(JSON.stringify(findings, null, 2));
      else {
        const filters = [rule && `rule ${rule}`, severity && `severity ≥ ${severity}`].filter(Boolean).join(', ');
        ctx.out(`${workflowId}: ${findings.length} finding${findings.length === 1 ? '' : 's'}${filters ? ` (${filters})` : ''}`);
        for (const line of formatFindings(findings)) ctx.out(line);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
