import { sql } from 'kysely';
import type { ActivityDeps } from '../../config/deps';
import type { RunRef } from '../../workflow-safe/run-ref';
import type { TaskResult } from '../../workflow-safe/dag';
import { createMailer, messageId } from './mailer';
import { ACCESS_AUDIT_REPORT, COMPLIANCE_REPORT, CONSENT_LOG_REPORT } from '../report-kinds';
import { deliverOnce } from '../deliver-once';
import { findingsCsv } from '../findings-csv';

// email: send the window's compliance report to the policy's compliance recipients, once. The
// body is the stored report (HTML and text parts); attached are the findings CSV (pseudonymous)
// and the access audit summary and consent management log. The Message-ID is derived from the
// run and the report, and deliverOnce records it, so retries, restarts and replays send nothing more.

/** The email step over one run's window (activities/email-report.ts is its Temporal-facing shell). */
export function reportMailer({ db, config, env }: ActivityDeps) {
  const mailer = env.smtpUrl ? createMailer(env.smtpUrl) : undefined;
  const policy = config.policy.policy;

  return {
    async emailReport(run: RunRef): Promise<TaskResult> {
      const to = policy.recipients.compliance;
      // Not configured is not an error: a developer's run without SMTP_URL still completes.
      if (!mailer) return { counts: { emailsSent: 0, emailsSkipped: 1, smtpConfigured: 0 } };
      if (to.length === 0) return { counts: { emailsSent: 0, emailsSkipped: 1, recipients: 0 } };

      const { rows } = await sql<{ kind: string; html: string; text: string; kpis: { findings?: { total?: number }; consentViolations?: { total?: number } } }>`
        select kind, html, text, kpis from govflow.reports
        where window_start = ${run.window.start}::timestamptz and window_end = ${run.window.end}::timestamptz`.execute(db);
      const byKind = new Map(rows.map((r) => [r.kind, r]));
      const report = byKind.get(COMPLIANCE_REPORT);
      if (!report) throw new Error(`no ${COMPLIANCE_REPORT} stored for ${run.window.start}/${run.window.end}: the report task must run first`);

      const id = messageId([COMPLIANCE_REPORT, run.workflowId], env.mailFrom);
      const findings = report.kpis.findings?.total ?? 0;
      const violations = report.kpis.consentViolations?.total ?? 0;
      const subject = `[govflow] Compliance report ${hour(run.window.start)} – ${hour(run.window.end)}: ${findings} finding(s), ${violations} consent violation(s)`;
      const outcome = await deliverOnce(
        db,
        { key: id, channel: 'email', purpose: `report:${COMPLIANCE_REPORT}`, reference: run.workflowId, recipients: to },
        async (trx) => {
          const csv = await findingsCsv(trx, run, policy.reports.csvMaxRows);
          const attachments = [{ filename: 'findings.csv', content: csv.csv, contentType: 'text/csv; charset=utf-8' }];
          for (const kind of [ACCESS_AUDIT_REPORT, CONSENT_LOG_REPORT]) {
            const r = byKind.get(kind);
            if (r) attachments.push({ filename: `${kind}.html`, content: r.html, contentType: 'text/html; charset=utf-8' });
          }
          const info = await mailer.sendMail({
            from: env.mailFrom,
            to,
            subject,
            text: report.text,
            html: report.html,
            messageId: id,
            headers: { 'X-Govflow-Run': run.workflowId, 'X-Govflow-Report': COMPLIANCE_REPORT },
            attachments,
          });
          return String(info.response ?? '');
        },
      );
      return { counts: { emailsSent: outcome === 'sent' ? 1 : 0, emailsAlreadySent: outcome === 'already-sent' ? 1 : 0, recipients: to.length } };
    },
  };
}

/** 2026-11-01T10:00:00.000Z → 2026-11-01 10:00 UTC */
export function hour(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
