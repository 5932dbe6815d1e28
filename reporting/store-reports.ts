import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { TaskResult } from '../workflow-safe/dag';
import { createRenderer } from './templates';
import { trendBars } from './trend';
import { ACCESS_AUDIT_REPORT, COMPLIANCE_REPORT, CONSENT_LOG_REPORT, REPORT_TITLES, type ReportKind } from './report-kinds';
import { complianceKpis, previousComplianceFigures } from './report-kpis';
import { accessAuditKpis } from './access-audit';
import { consentLogKpis } from './consent-log';
import { reportRevision } from './late-data';

// report: render the window's three reports (compliance report, access audit summary, consent
// management log), each as HTML and text twins, and store them. One report per (kind, window): a
// re-run of the window replaces it rather than adding a second; a revision for late data
// (ingest/late-windows.ts) replaces it too, marked revised.

/** The report step over one run's window (activities/report.ts is its Temporal-facing shell). */
export function reportWriter({ db, config, env }: ActivityDeps) {
  const render = createRenderer();
  const policy = config.policy.policy;

  async function store(kind: ReportKind, run: RunRef, base: Record<string, unknown>, kpis: object, extra: Record<string, unknown> = {}) {
    const data = { ...base, title: REPORT_TITLES[kind], kind, kpis, ...extra };
    const html = render(`${kind}.html`, data);
    const text = render(`${kind}.txt`, data);
    await sql`
      insert into govflow.reports (kind, window_start, window_end, workflow_id, policy_hash, html, text, kpis)
      values (${kind}, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, ${run.workflowId},
              ${config.policy.hash}, ${html}, ${text}, ${JSON.stringify(kpis)}::jsonb)
      on conflict (kind, window_start, window_end) do update
        set workflow_id = excluded.workflow_id, policy_hash = excluded.policy_hash, html = excluded.html,
            text = excluded.text, kpis = excluded.kpis, updated_at = now()`.execute(db);
    return Buffer.byteLength(html) + Buffer.byteLength(text);
  }

  return {
    async report(run: RunRef): Promise<TaskResult> {
      const namespace = Context.current().info.workflowNamespace ?? 'default';
      const base = {
        window: run.window,
        workflowId: run.workflowId,
        runUrl: `${env.temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(run.workflowId)}`,
        policyHash: config.policy.hash,
        generatedAt: new Date().toISOString(),
        // A revision (late data): every report of the window says so, under its title.
        revision: await reportRevision(db, run),
      };

      // The three reports' figures are independent: read side by side, the access audit's scans of
      // the window run while the compliance report's masked count (its longest query) does.
      const [kpis, previous, accessAudit, consentLog] = await Promise.all([
        complianceKpis(db, run, policy),
        previousComplianceFigures(db, run, policy.reports.trendRuns - 1),
        accessAuditKpis(db, run),
        consentLogKpis(db, run, config.sources),
      ]);
      const trend = trendBars([
        ...previous,
        { windowStart: run.window.start, windowEnd: run.window.end, findings: kpis.findings.total, violations: kpis.consentViolations.total, rejected: kpis.rejected.total, current: true },
      ]);
      const requiresConsent = Object.fromEntries(policy.purposes.map((p) => [p.id, p.requiresConsent]));
      const consentStatus = kpis.consentStatus.map((c) => ({ ...c, requiresConsent: requiresConsent[c.purpose] ?? false }));

      let bytes = await store(COMPLIANCE_REPORT, run, base, kpis, { trend, consentStatus, trendRuns: policy.reports.trendRuns });
      bytes += await store(ACCESS_AUDIT_REPORT, run, base, accessAudit);
      bytes += await store(CONSENT_LOG_REPORT, run, base, consentLog);
      return { counts: { reports: 3, bytes } };
    },
  };
}
