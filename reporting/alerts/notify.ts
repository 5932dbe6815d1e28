import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { ActivityDeps } from '../../config/deps';
import type { RunRef } from '../../workflow-safe/run-ref';
import { createRenderer } from '../templates';
import { createMailer, messageId } from '../email/mailer';
import { postJson, WebhookError } from './webhook';
import { durationMs } from '../../config/duration';
import { acknowledgeAlertRow, getAlert, type AlertRow } from './alert-store';
import type { Severity } from '../../policy/policy';
import { deliverOnce } from '../deliver-once';

// What the alertEscalation workflow does outside itself: send an alert to the first line, or to
// the second line once its SLA has passed, by email and webhook, each exactly once per (alert,
// stage); and record an acknowledgement. Bodies carry the alert's title and aggregate summary only.

export type AlertStage = 'first-line' | 'escalation';

export interface AlertNotice {
  /** The alert's status when we looked: a closed alert is not notified. */
  status: AlertRow['status'] | 'missing';
  slaMs: number;
  sla: string;
  emails: number;
  webhooks: number;
}

/** Notifying, acknowledging and listing alerts (activities/alert-notify.ts is their Temporal-facing shell). */
export function alertNotifier({ db, config, env }: ActivityDeps) {
  const render = createRenderer();
  const mailer = env.smtpUrl ? createMailer(env.smtpUrl) : undefined;
  const policy = config.policy.policy;

  async function send(alert: AlertRow, stage: AlertStage, sla: string) {
    const recipients =
      stage === 'first-line'
        ? policy.recipients.alerts.length ? policy.recipients.alerts : policy.recipients.compliance
        : policy.recipients.escalation;
    const window = { start: alert.window_start.toISOString(), end: alert.window_end.toISOString() };
    const namespace = Context.current().info.workflowNamespace ?? 'default';
    const data = {
      alert,
      stage,
      escalated: stage === 'escalation',
      sla,
      window,
      runUrl: `${env.temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(alert.workflow_id)}`,
    };
    const text = render('alert.txt', data);
    const subject = `[govflow] ${stage === 'escalation' ? 'ESCALATED ' : ''}[${alert.severity}] ${alert.title}`;
    let emails = 0;
    let webhooks = 0;

    if (policy.alerts.channels.includes('email') && mailer && recipients.length > 0) {
      const id = messageId([`alert-${alert.id}-${stage}`, alert.dedupe_key], env.mailFrom);
      const html = render('alert.html', data);
      const outcome = await deliverOnce(db, { key: id, channel: 'email', purpose: `alert:${stage}`, reference: `alert:${alert.id}`, recipients }, async () => {
        const info = await mailer.sendMail({ from: env.mailFrom, to: recipients, subject, text, html, messageId: id, headers: { 'X-Govflow-Alert': String(alert.id) } });
        return String(info.response ?? '');
      });
      if (outcome === 'sent') emails++;
    }

    const url = env.alertWebhookUrl ?? policy.alerts.webhook.url;
    if (policy.alerts.channels.includes('webhook') && url) {
      // Slack's incoming-webhook shape: `text` is what every client shows; blocks add structure.
      const body = {
        text: `${subject}\n${alert.summary}`,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: `${stage === 'escalation' ? 'ESCALATED: ' : ''}${alert.title}`.slice(0, 150) } },
          { type: 'section', text: { type: 'mrkdwn', text: `*Severity:* ${alert.severity}\n*Findings:* ${alert.summary}\n*Acknowledge:* \`govflow alerts ack ${alert.id}\`` } },
        ],
        govflow: { alertId: alert.id, stage, severity: alert.severity, window, occurrences: alert.occurrences },
      };
      try {
        const outcome = await deliverOnce(db, { key: `webhook:alert-${alert.id}-${stage}`, channel: 'webhook', purpose: `alert:${stage}`, reference: `alert:${alert.id}`, recipients: [new URL(url).host] }, async () => {
          // One POST per activity attempt; the escalation workflow's retry policy backs off.
          const res = await postJson(url, body);
          return `HTTP ${res.status}`;
        });
        if (outcome === 'sent') webhooks++;
      } catch (err) {
        // A rejected webhook (4xx) will not be accepted on retry either.
        if (err instanceof WebhookError && !err.retryable) throw ApplicationFailure.nonRetryable(err.message, 'WebhookRejected');
        throw err;
      }
    }
    return { emails, webhooks };
  }

  return {
    async notifyAlert(input: { alertId: number; stage: AlertStage }): Promise<AlertNotice> {
      const alert = await getAlert(db, input.alertId);
      if (!alert) return { status: 'missing', slaMs: 0, sla: '', emails: 0, webhooks: 0 };
      const sla = policy.alerts.sla[alert.severity as Severity] ?? policy.alerts.sla.medium;
      const notice = { status: alert.status, slaMs: durationMs(sla), sla, emails: 0, webhooks: 0 };
      if (alert.status !== 'open') return notice;
      const sent = await send(alert, input.stage, sla);
      if (input.stage === 'escalation') {
        await sql`update govflow.alerts set escalated_at = coalesce(escalated_at, now()) where id = ${alert.id}`.execute(db);
      }
      return { ...notice, ...sent };
    },

    async acknowledgeAlert(input: { alertId: number; by: string }): Promise<{ status: string; acknowledgedBy: string | null }> {
      const row = await acknowledgeAlertRow(db, input.alertId, input.by);
      return { status: row?.status ?? 'missing', acknowledgedBy: row?.acknowledged_by ?? null };
    },

    /**
     * Open alerts raised or updated by this run for its window (or alert span): the workflow starts
     * their escalations. The span matters for a stream, whose one workflow id raises an alert per
     * hour: without it every batch would re-visit every alert the stream ever raised.
     */
    async openAlerts(run: RunRef): Promise<Array<{ id: number; uid: string }>> {
      const span = run.alertSpan ?? run.window;
      const { rows } = await sql<{ id: number; uid: string }>`
        select id, uid from govflow.alerts
        where workflow_id = ${run.workflowId} and status = 'open'
          and window_start = ${span.start}::timestamptz and window_end = ${span.end}::timestamptz
        order by id`.execute(db);
      return rows.map((r) => ({ id: Number(r.id), uid: r.uid }));
    },
  };
}
