import { mkdtempSync, writeFileSync } from 'node:fs';
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
    for (const task of ['ingest', 'audit', 'consent', 'mask', 'report', 'alert']) {
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
    for (const task of ['ingest', 'audit', 'consent', 'mask', 'report', 'alert']) expect(r.stdout).toMatch(new RegExp(`✓ ${task}\\s+success`));
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
