import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness';
import { eventually } from '../support/eventually';
import { launchChromium } from '../support/chromium';
import { freePort, startDevServer, type DevServer } from '../../cli/dev-server';
import { requireTemporalCli } from '../support/global-setup';
import { devServerSearchAttributes } from '../../workflow-safe/search-attributes';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import type { GovernanceResult } from '../../workflows/governance';

// An ad-hoc audit started the way a person does it: the Temporal Web UI served by the dev server
// (2.42.1), its Start Workflow form, in Debian's Chromium. This test runs a dev server of its own,
// with the UI, so the form can use the real task queue name "governance".

let server: DevServer;
let h: Harness;
let browser: Browser;

beforeAll(async () => {
  server = await startDevServer({
    binary: requireTemporalCli(),
    uiPort: await freePort(),
    searchAttributes: devServerSearchAttributes(),
    logFile: 'test-artifacts/temporal-ui-dev-server.log',
  });
  h = await startHarness({ temporalAddress: server.address, taskQueue: 'governance' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  await server?.stop();
});

describe('Temporal UI: Start Workflow', () => {
  it('starts governanceRun from the form with a JSON input, and the run completes', async () => {
    const workflowId = `audit-from-ui-${Date.now()}`;
    const input = JSON.stringify({ window: SAMPLE_WINDOW });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });

    await page.goto(`${server.uiUrl}/namespaces/default/workflows`);
    await page.getByRole('button', { name: 'Start Workflow' }).or(page.getByRole('link', { name: 'Start Workflow' })).first().click();
    await page.waitForURL(/\/workflows\/start-workflow/);

    await page.locator('#workflowId').fill(workflowId);
    await page.locator('#taskQueue').fill('governance');
    await page.locator('#workflowType').fill('governanceRun');
    // Input → Data is a code editor, not a plain text field: focus it and type.
    const editor = page.locator('.cm-content').first();
    await editor.click();
    await page.keyboard.insertText(input);
    expect(await page.locator('input[id="json/plain"]').isChecked()).toBe(true);
    // Leaving the editor pretty-prints the JSON, which moves the button: leave it first.
    await page.getByRole('heading', { name: 'Start a Workflow' }).click();
    await page.getByText('"window": {').waitFor();
    await page.screenshot({ path: 'test-artifacts/ui-start-workflow-form.png', fullPage: true });
    await page.getByTestId('start-workflow-button').click();

    // The run itself is real: wait for Temporal to have it, then for its result.
    await eventually(() => h.client.workflow.getHandle(workflowId).describe().then(() => true, () => undefined), 'the started workflow', 30_000);
    const result = (await h.client.workflow.getHandle(workflowId).result()) as GovernanceResult;
    expect(result.status).toBe('completed');
    expect(result.window).toEqual({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' });
    expect(result.trigger).toBe('manual');
    expect(result.kpis.consentViolations).toBe(2);

    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${workflowId}`);
    await page.getByText('Completed').first().waitFor();
    await page.screenshot({ path: 'test-artifacts/ui-start-workflow-completed.png', fullPage: true });
    await page.close();
  });
});
