import { createServer, type Server } from 'node:http';
import { SAMPLE_FINDINGS_BY_RULE } from '../support/sample-findings';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';
import { eventually, header, parseCaught } from '../support/mail';
import { startMailCatcher, type MailCatcher } from '../../cli/mail-catcher';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import { escalationWorkflowId } from '../../workflow-safe/alert-ids';
import type { EscalationState } from '../../workflows/alert-escalation';
import type { GovernanceResult } from '../../workflows/governance';

const SAMPLE_FINDINGS = Object.values(SAMPLE_FINDINGS_BY_RULE).reduce((a, b) => a + b, 0);

// Alerts people act on: an alert goes to the first line by email and webhook, waits for an
// acknowledgement on a durable timer of the policy's SLA, and escalates to the second line when
// none comes. The SLA is short for high severity (2s) and long for low (10m) in this policy.

let h: Harness;
let mail: MailCatcher;
let hook: Server;
const hookRequests: Array<{ status: number; body: Record<string, unknown> }> = [];

function writeConfig(webhookUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-alerts-'));
  const policy = parse(readFileSync('policy.yaml', 'utf8'));
  policy.alerts.sla = { critical: '2s', high: '2s', medium: '10m', low: '10m' };
  policy.alerts.webhook = { url: webhookUrl, attempts: 3 };
  writeFileSync(join(dir, 'policy.yaml'), stringify(policy));
  const config = parse(readFileSync('govflow.yaml', 'utf8'));
  for (const s of config.sources) s.path = resolve(s.path);
  writeFileSync(join(dir, 'govflow.yaml'), stringify(config));
  return join(dir, 'govflow.yaml');
}

beforeAll(async () => {
  // A Slack-like webhook receiver that fails the first request, to exercise the retries.
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = hookRequests.length === 0 ? 500 : 200;
      hookRequests.push({ status, body: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T000/B000/XXX`;
  mail = await startMailCatcher();
  h = await startHarness({ configFile: writeConfig(url), env: { SMTP_URL: mail.url } });
});
afterAll(async () => {
  await h?.close();
  await mail?.close();
  await new Promise((r) => hook?.close(r));
});

const RAW_IDENTIFIERS = /user-10\d\d|contractor-x|admin-bob|jane\.doe|198\.51\.100\.\d+(?!\/)/;

async function alertMails(alertId: number) {
  return (await parseCaught(mail.messages)).filter((m) => header(m, 'x-govflow-alert') === String(alertId));
}

describe('alert escalation', () => {
  let alertId: number;
  let alertUid: string;

  it('notifies the first line, then escalates to the second line when the SLA passes unacknowledged', async () => {
    const run: GovernanceResult = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue,
      workflowId: `alerting-${Date.now()}`,
      args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }],
    });
    expect(run.tasks.alert!.counts).toMatchObject({ alertsRaised: 1, escalationsStarted: 1 });
    const [alert] = await h.sql('select id, uid, severity from govflow.alerts');
    alertId = Number(alert!.id);
    alertUid = String(alert!.uid);
    expect(alert!.severity).toBe('critical');

    const mails = await eventually(async () => {
      const m = await alertMails(alertId);
      return m.length >= 2 && m;
    }, 'first-line and escalation emails');
    const [first, second] = mails;
    expect(first!.envelopeTo).toEqual(['governance-oncall@streaming.example']);
    expect(first!.subject).toMatch(new RegExp(`^\\[govflow\\] \\[critical\\] ${SAMPLE_FINDINGS + 2} non-compliance finding`));
    expect(first!.text).toContain(`govflow alerts ack ${alertId}`);
    expect(second!.envelopeTo).toEqual(['ciso@streaming.example']);
    expect(second!.subject).toMatch(/^\[govflow\] ESCALATED \[critical\]/);
    expect(second!.text).toContain('ESCALATED: not acknowledged within 2s');

    const handle = h.client.workflow.getHandle(escalationWorkflowId(alertUid));
    expect(await handle.query<EscalationState>('state')).toMatchObject({ phase: 'escalated', escalated: true, slaMs: 2000 });
    const [row] = await h.sql('select status, escalated_at from govflow.alerts where id = $1', [alertId]);
    expect(row!.status).toBe('open');
    expect(row!.escalated_at).toBeInstanceOf(Date);

    // The webhook: the first POST got a 500 and was retried; then the escalation was posted.
    await eventually(() => hookRequests.length >= 3, 'webhook posts');
    expect(hookRequests.map((r) => r.status)).toEqual([500, 200, 200]);
    expect(hookRequests[1]!.body).toMatchObject({ text: expect.stringContaining('[critical]'), blocks: expect.any(Array), govflow: { alertId, stage: 'first-line' } });
    expect(hookRequests[2]!.body).toMatchObject({ govflow: { alertId, stage: 'escalation' } });
    const everything = JSON.stringify(hookRequests) + mail.messages.map((m) => m.raw.toString('utf8')).join('');
    expect(everything).not.toMatch(RAW_IDENTIFIERS);
  });

  it('updates the open alert on a re-run of the window instead of sending it again', async () => {
    const again: GovernanceResult = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue,
      workflowId: `alerting-again-${Date.now()}`,
      args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }],
    });
    expect(again.tasks.alert!.counts).toMatchObject({ alertsRaised: 0, alertsUpdated: 1, escalationsStarted: 0 });
    const [row] = await h.sql('select occurrences from govflow.alerts where id = $1', [alertId]);
    expect(row!.occurrences).toBe(2);
    expect(await alertMails(alertId)).toHaveLength(2);
    expect(hookRequests).toHaveLength(3);
  });

  it('ends when acknowledged from the CLI after escalating', async () => {
    const r = await runGovflow(h, ['alerts', 'ack', String(alertId), '--by', 'oncall-anna']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`alert #${alertId}: acknowledged by oncall-anna\n`);
    const state = await h.client.workflow.getHandle(escalationWorkflowId(alertUid)).result();
    expect(state).toMatchObject({ phase: 'acknowledged', escalated: true, acknowledgedBy: 'oncall-anna' });
    const list = await runGovflow(h, ['alerts', 'list', '--status', 'acknowledged']);
    expect(list.stdout).toMatch(new RegExp(`#${alertId}\\s+critical\\s+acknowledged by oncall-anna`));
  });

  /** An alert of a test window (its own dedupe key), with its escalation workflow waiting on the SLA timer. */
  async function escalatingAlert(severity: string, hour: number) {
    const start = `2026-11-01T${String(hour).padStart(2, '0')}:00:00Z`;
    const [row] = await h.sql(
      `insert into govflow.alerts (dedupe_key, severity, title, summary, window_start, window_end, workflow_id)
       values ($1, $2, '1 non-compliance finding(s) in a test window', 'odd_hours (low): 1', $3, $3::timestamptz + interval '1 hour', 'test')
       returning id, uid`,
      [`noncompliance:test-${hour}`, severity, start],
    );
    const id = Number(row!.id);
    const handle = await h.client.workflow.start('alertEscalation', { taskQueue: h.taskQueue, workflowId: escalationWorkflowId(String(row!.uid)), args: [{ alertId: id }] });
    await eventually(async () => (await handle.query<EscalationState>('state')).phase === 'awaiting-ack', 'the SLA timer');
    return { id, handle };
  }

  it('does not escalate an alert acknowledged within its SLA', async () => {
    const { id, handle } = await escalatingAlert('low', 12);
    await eventually(async () => (await alertMails(id)).length === 1, 'first-line email');

    const r = await runGovflow(h, ['alerts', 'ack', String(id), '--by', 'oncall-ben', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ alertId: id, status: 'acknowledged', acknowledgedBy: 'oncall-ben' });
    expect(await handle.result()).toMatchObject({ phase: 'acknowledged', escalated: false, acknowledgedBy: 'oncall-ben', slaMs: 600_000 });
    expect((await alertMails(id)).map((m) => m.envelopeTo)).toEqual([['governance-oncall@streaming.example']]);
    const [after] = await h.sql('select status, escalated_at, acknowledged_by from govflow.alerts where id = $1', [id]);
    expect(after).toMatchObject({ status: 'acknowledged', escalated_at: null, acknowledged_by: 'oncall-ben' });
  });

  it('takes the acknowledgement as a signal too', async () => {
    const { id, handle } = await escalatingAlert('medium', 13);
    await handle.signal('acknowledge', { by: 'pager-bot' });
    expect(await handle.result()).toMatchObject({ phase: 'acknowledged', escalated: false, acknowledgedBy: 'pager-bot' });
    const [after] = await h.sql('select status, acknowledged_by from govflow.alerts where id = $1', [id]);
    expect(after).toEqual({ status: 'acknowledged', acknowledged_by: 'pager-bot' });
  });
});
