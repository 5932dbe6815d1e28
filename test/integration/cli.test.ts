import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations';
import { startHarness, type Harness } from '../support/harness';
import { SAMPLE_FINDINGS_BY_RULE } from '../support/sample-findings';

// The `govflow` command as a person runs it: a child process, talking to the real dev server.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function govflow(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/govflow.mjs', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: h.databaseUrl,
        TEMPORAL_ADDRESS: h.temporalAddress,
        GOVFLOW_TASK_QUEUE: h.taskQueue,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

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
      findings: { total: 19, byRule: SAMPLE_FINDINGS_BY_RULE },
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

  it('findings lists the run\'s findings, filtered by rule and severity, pseudonymously', async () => {
    const all = await govflow(['findings', workflowId]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`${workflowId}: 19 findings`);
    expect(all.stdout).toMatch(/CRITICAL\s+deactivated_principal/);
    expect(all.stdout).toMatch(/evidence audit_trail_events:sample-audit:trl-0004/);
    expect(all.stdout).not.toMatch(/contractor-x|user-10\d\d|203\.0\.113\.66|admin-bob/);

    const json = JSON.parse((await govflow(['findings', workflowId, '--rule', 'sovereignty_breach', '--json'])).stdout);
    expect(json).toHaveLength(6);
    expect(json.every((f: { rule: string; subjectKey: string }) => f.rule === 'sovereignty_breach' && /^p_/.test(f.subjectKey))).toBe(true);

    const critical = JSON.parse((await govflow(['findings', workflowId, '--severity', 'critical', '--json'])).stdout);
    expect(critical.map((f: { rule: string }) => f.rule).sort()).toEqual(['deactivated_principal', 'privileged_action', 'success_after_failures']);

    const bad = await govflow(['findings', workflowId, '--rule', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rule: unknown rule "nope"; expected one of denied_access');
    const missing = await govflow(['findings', 'no-such-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no run "no-such-run"');
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
    expect(first.stdout).toContain(`applied ${Object.keys(MIGRATIONS).join(', ')}`);
    const second = await govflow(['migrate'], { DATABASE_URL: url.toString() });
    expect(second.stdout).toContain('schema is up to date');
    const admin = new pg.Client({ connectionString: new URL('/postgres', url).toString() });
    await admin.connect();
    await admin.query(`drop database ${pg.escapeIdentifier(url.pathname.slice(1))} with (force)`);
    await admin.end();
  });
});
