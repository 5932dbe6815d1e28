import { mkdirSync } from 'node:fs';
import { SAMPLE_FINDINGS_BY_RULE } from '../support/sample-findings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startHarness, type Harness } from '../support/harness';
import { startMailCatcher, type MailCatcher } from '../../cli/mail-catcher';
import { parseCaught, header } from '../support/mail';
import { launchChromium } from '../support/chromium';
import { createActivities } from '../../activities';
import { createMailer, messageId } from '../../reporting/email/mailer';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import type { GovernanceResult } from '../../workflows/governance';
import type { RunRef } from '../../workflow-safe/run-ref';

const SAMPLE_FINDINGS = Object.values(SAMPLE_FINDINGS_BY_RULE).reduce((a, b) => a + b, 0);

// The compliance report as its readers get it: rendered, stored, and emailed over real SMTP (an
// smtp-server in this process), exactly once even when the email step is retried, the worker
// restarts and the run is replayed. And a look at it in Chromium.

let h: Harness;
let mail: MailCatcher;
beforeAll(async () => {
  mail = await startMailCatcher();
  h = await startHarness({ env: { SMTP_URL: mail.url, GOVFLOW_MAIL_FROM: 'govflow <reports@govflow.test>' } });
});
afterAll(async () => {
  await h?.close();
  await mail?.close();
});

const RAW_IDENTIFIERS = /user-10\d\d|contractor-x|admin-bob|jane\.doe|198\.51\.100\.\d+(?!\/)/;

async function reportMails(workflowId: string) {
  const all = await parseCaught(mail.messages);
  return all.filter((m) => header(m, 'x-govflow-run') === workflowId && header(m, 'x-govflow-report') === 'compliance-report');
}

describe('compliance report email', () => {
  let run: GovernanceResult;

  it('sends one multipart email with the report, the findings CSV and the other two reports', async () => {
    run = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue,
      workflowId: `mail-${Date.now()}`,
      args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }],
    });
    expect(run.tasks.email).toMatchObject({ state: 'success', counts: { emailsSent: 1, recipients: 2 } });
    expect(run.tasks.report!.counts).toMatchObject({ reports: 3 });

    const mails = await reportMails(run.workflowId);
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    expect(m.subject).toBe(`[govflow] Compliance report 2026-11-01 10:00 UTC – 2026-11-01 11:00 UTC: ${SAMPLE_FINDINGS} finding(s), 2 consent violation(s)`);
    expect(m.envelopeTo.sort()).toEqual(['auditor@streaming.example', 'dpo@streaming.example']);
    expect(m.messageId).toBe(messageId(['compliance-report', run.workflowId], 'reports@govflow.test'));
    expect(m.text).toMatch(new RegExp(`Audit findings\\s+${SAMPLE_FINDINGS}`));
    expect(m.text).toContain('Trend over the last runs');
    expect(m.html).toContain('id="trend-chart"');
    expect(m.html).toContain('Violations by severity');

    const names = m.attachments.map((a) => a.filename).sort();
    expect(names).toEqual(['access-audit.html', 'consent-log.html', 'findings.csv']);
    const csv = m.attachments.find((a) => a.filename === 'findings.csv')!.content.toString('utf8').trim().split('\r\n');
    expect(csv[0]).toBe('kind,rule_or_purpose,severity_or_reason,occurred_at,principal_key,subject_key');
    expect(csv).toHaveLength(1 + SAMPLE_FINDINGS + 2);
    expect(csv.filter((l) => l.startsWith('consent_violation,'))).toHaveLength(2);
    expect(csv.slice(1).every((l) => /,p_[0-9a-f]{32}$/.test(l) || /,$/.test(l))).toBe(true);

    const everything = mail.messages.map((x) => x.raw.toString('utf8')).join('\n');
    expect(everything).not.toMatch(RAW_IDENTIFIERS);

    const [delivery] = await h.sql('select status, channel, recipients from govflow.deliveries where delivery_key = $1', [m.messageId]);
    expect(delivery).toMatchObject({ status: 'sent', channel: 'email' });
  });

  it('stores the access audit summary and the consent management log too', async () => {
    const rows = await h.sql('select kind, text from govflow.reports where workflow_id = $1 order by kind', [run.workflowId]);
    expect(rows.map((r) => r.kind)).toEqual(['access-audit', 'compliance-report', 'consent-log']);
    const access = rows.find((r) => r.kind === 'access-audit')!.text as string;
    expect(access).toMatch(new RegExp(`Findings\\s+${SAMPLE_FINDINGS}`));
    const consent = rows.find((r) => r.kind === 'consent-log')!.text as string;
    expect(consent).toMatch(/Processing without consent\s+2/);
    expect(rows.map((r) => r.text).join('\n')).not.toMatch(RAW_IDENTIFIERS);
  });

  it('still sends exactly one email after an injected retry and a worker restart, and on a replay', async () => {
    // Our own workers on our own task queue, so the email step can be sabotaged: attempt 1 sends
    // and then fails (as if the worker lost the SMTP server's answer); attempt 2 fails and takes
    // its worker down with it; attempt 3 runs on a new worker with new connections.
    const taskQueue = `${h.taskQueue}-crash`;
    const deps = { pool: h.pool, db: h.db, config: h.config, env: h.env };
    const bundle = { code: inject('workflowBundleCode') };
    const connection = await NativeConnection.connect({ address: h.temporalAddress });
    const real = createActivities(deps);
    let sabotaged = 0;
    const workerA: Worker = await Worker.create({
      connection, namespace: 'default', taskQueue, workflowBundle: bundle,
      activities: {
        ...real,
        async emailReport(run: RunRef) {
          sabotaged++;
          const result = await real.emailReport(run);
          if (sabotaged === 2) setImmediate(() => workerA.shutdown());
          throw new Error(sabotaged === 1 ? 'injected: lost the SMTP answer after sending' : 'injected: worker going down');
        },
      },
    });
    const runningA = workerA.run();
    const workflowId = `mail-crash-${Date.now()}`;
    const handle = await h.client.workflow.start('governanceRun', { taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }] });
    await runningA;
    expect(sabotaged).toBe(2);

    const workerB = await Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle: bundle, activities: createActivities(deps) });
    const result = await workerB.runUntil(handle.result() as Promise<GovernanceResult>);
    expect(result.status).toBe('completed');
    expect(result.tasks.email).toMatchObject({ state: 'success', attempts: 3, counts: { emailsSent: 0, emailsAlreadySent: 1 } });
    expect(await reportMails(workflowId)).toHaveLength(1);

    // A replay reuses the workflow id: same Message-ID, so nothing more is sent.
    const workerC = await Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle: bundle, activities: createActivities(deps) });
    const again = await workerC.runUntil(
      h.client.workflow.execute('governanceRun', { taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }] }) as Promise<GovernanceResult>,
    );
    expect(again.tasks.email).toMatchObject({ state: 'success', counts: { emailsAlreadySent: 1 } });
    expect(await reportMails(workflowId)).toHaveLength(1);
    await connection.close();
  });

  it('draws the trend over the runs before this window', async () => {
    const earlier = { start: '2026-11-01T09:00:00Z', end: '2026-11-01T10:00:00Z' };
    for (const [window, id] of [[earlier, 'trend-earlier'], [SAMPLE_WINDOW, 'trend-now']] as const) {
      const r: GovernanceResult = await h.client.workflow.execute('governanceRun', {
        taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [{ window, trigger: 'cli' }],
      });
      expect(r.status).toBe('completed');
    }
    const [row] = await h.sql("select html, text from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T10:00:00Z'");
    const text = row!.text as string;
    expect(text).toMatch(/2026-11-01 09:00:00 UTC  findings   \.{30} 0\n/);
    expect(text).toMatch(new RegExp(`2026-11-01 10:00:00 UTC  findings   #{30} ${SAMPLE_FINDINGS}  <- this run`));
    const bars = (row!.html as string).split('id="trend-chart"')[1]!.split('</table>\n<p')[0]!;
    expect(bars.match(/<tr[ >]/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('speaks TLS from the first byte when SMTP_URL says smtps://', async () => {
    const tls = await startMailCatcher({ secure: true });
    try {
      expect(tls.url).toMatch(/^smtps:\/\//);
      await createMailer(tls.url).sendMail({ from: 'reports@govflow.test', to: 'dpo@streaming.example', subject: 'tls check', text: 'hello' });
      expect(tls.messages).toHaveLength(1);
      expect(tls.messages[0]!.secure).toBe(true);
    } finally {
      await tls.close();
    }
  });
});

describe('the compliance report in a browser', () => {
  it('renders in Chromium with every KPI section visible', async () => {
    const [row] = await h.sql("select html from govflow.reports where kind = 'compliance-report' and window_start = '2026-11-01T10:00:00Z'");
    mkdirSync('test-artifacts', { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
      await page.setContent(row!.html as string, { waitUntil: 'load' });
      for (const id of ['summary', 'severity', 'findings', 'consent', 'masking', 'quarantine', 'trend', 'provenance']) {
        expect(await page.locator(`#${id}`).isVisible(), id).toBe(true);
      }
      expect(await page.locator('#summary').innerText()).toMatch(new RegExp(`Audit findings\\s+${SAMPLE_FINDINGS}`));
      expect(await page.locator('#severity').innerText()).toMatch(/critical/);
      // The bars have width: the chart really draws.
      const bar = await page.locator('#trend-chart td[style*="#dc2626"]').first().boundingBox();
      expect(bar!.width).toBeGreaterThan(100);
      expect(await page.locator('#trend-chart').innerText()).toMatch(/09:00:00 UTC[\s\S]*10:00:00 UTC \(this run\)/);
      await page.screenshot({ path: 'test-artifacts/compliance-report.png', fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
