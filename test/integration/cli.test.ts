import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';

// The `govflow` command as a person runs it: a child process, talking to the real dev server.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const govflow = (args: string[], env: NodeJS.ProcessEnv = {}) => runGovflow(h, args, env);

describe('govflow CLI', () => {
  let workflowId: string;

  it('run --json prints one JSON object with the run, its tasks and its KPIs', async () => {
    const r = await govflow(['run', '--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T11:00:00Z', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    workflowId = out.workflowId;
    expect(out.workflowId).toMatch(/^governance-20261101T1000Z-20261101T1100Z-[0-9a-f]{6}$/);
    expect(out.status).toBe('completed');
    expect(out.window).toEqual({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' });
    for (const task of ['ingest', 'audit', 'consent', 'mask', 'report', 'email', 'alert']) {
      expect(out.tasks[task]).toMatchObject({ state: 'success', durationMs: expect.any(Number), counts: expect.any(Object) });
    }
    expect(out.kpis).toMatchObject({
      eventsIngested: 72,
      recordsRejected: 5,
      findings: { total: 7, byRule: { denied_access: 4, denied_admin_action: 3 } },
      consentViolations: 2,
      maskedEvents: 37,
      alertsRaised: 1,
    });
  });

  it('run without --json shows progress and a readable summary', async () => {
    const r = await govflow(['run', '--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T11:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/started governance-20261101T1000Z/);
    expect(r.stdout).toMatch(/COMPLETED/);
    expect(r.stdout).toMatch(/✓ mask\s+success/);
    expect(r.stdout).toMatch(/consent violations\s+2/);
  });

  it('status prints the DAG task states', async () => {
    const r = await govflow(['status', workflowId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${workflowId}: COMPLETED`);
    for (const task of ['ingest', 'audit', 'consent', 'mask', 'report', 'email', 'alert']) expect(r.stdout).toMatch(new RegExp(`✓ ${task}\\s+success`));
  });

  it('report prints a run\'s reports as text, HTML or JSON, and saves them with --out', async () => {
    const text = await govflow(['report', workflowId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Compliance report\n=+/);
    expect(text.stdout).toMatch(/Audit findings\s+7/);

    const json = await govflow(['report', workflowId, '--kind', 'consent-log', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'consent-log', workflowId, kpis: { violations: { total: 2 } } });

    const file = join(mkdtempSync(join(tmpdir(), 'govflow-report-')), 'audit.html');
    const html = await govflow(['report', workflowId, '--kind', 'access-audit', '--out', file]);
    expect(html.code).toBe(0);
    expect(html.stderr).toContain(`wrote access-audit (html) to ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('<title>Access audit summary');

    const bad = await govflow(['report', workflowId, '--kind', 'weekly']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kind "weekly" is not a report; expected compliance, access-audit, consent-log');
    const missing = await govflow(['report', 'no-such-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no compliance-report for run "no-such-run"');
  });

  it('alerts list shows the window\'s open alert', async () => {
    const r = await govflow(['alerts', 'list', '--json']);
    expect(r.code).toBe(0);
    const alerts = JSON.parse(r.stdout);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'high', status: 'open', dedupe_key: 'noncompliance:2026-11-01T10:00:00.000Z/2026-11-01T11:00:00.000Z' });
    const table = await govflow(['alerts', 'list']);
    expect(table.stdout).toMatch(/#\d+\s+high\s+open/);
  });

  it('refuses half a window and a bad policy before doing any work', async () => {
    const half = await govflow(['run', '--from', '2026-11-01T10:00:00Z']);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('--from and --to go together');

    const dir = mkdtempSync(join(tmpdir(), 'govflow-cli-'));
    writeFileSync(join(dir, 'policy.yaml'), 'version: 2\npurposes: []\n');
    writeFileSync(join(dir, 'govflow.yaml'), 'sources:\n  - {name: a, kind: access, format: jsonl, path: a.jsonl}\n');
    const bad = await govflow(['worker', '--config', join(dir, 'govflow.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(dir, 'policy.yaml')} is invalid`);
    expect(bad.stderr).toContain('version: expected 1');
    expect(bad.stderr).toContain('purposes: expected at least one purpose');
  });

  it('migrate creates a missing database and is idempotent', async () => {
    const url = new URL(h.databaseUrl);
    url.pathname = `${url.pathname}_fresh`;
    const first = await govflow(['migrate'], { DATABASE_URL: url.toString() });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created database');
    expect(first.stdout).toMatch(/applied 2026-11-22T0000-initial-schema, 2026-11-22T0100-ingest-provenance/);
    const second = await govflow(['migrate'], { DATABASE_URL: url.toString() });
    expect(second.stdout).toContain('schema is up to date');
    const admin = new pg.Client({ connectionString: new URL('/postgres', url).toString() });
    await admin.connect();
    await admin.query(`drop database ${pg.escapeIdentifier(url.pathname.slice(1))} with (force)`);
    await admin.end();
  });
});
