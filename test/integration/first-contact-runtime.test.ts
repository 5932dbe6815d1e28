import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';

// Issue 12, as a new user meets it, with a real worker on the dev server: `run --config X` runs
// with X or refuses saying why; an edited policy governs the next run; a command with no worker
// on its task queue says so at once; an erasure of an id govflow never saw does not look done.

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file, 'utf8')).digest('hex');
const WINDOW = ['--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T11:00:00Z'];

let h: Harness;
let dir: string;
let configFile: string;
let policyFile: string;
const policyText = readFileSync('policy.yaml', 'utf8');

/** A config like the repository's, in a folder of its own (so the test can edit its policy). */
function writeConfig(folder: string, extra = ''): string {
  const file = join(folder, 'govflow.yaml');
  writeFileSync(file, stringify({
    policy: 'policy.yaml',
    sources: [
      { name: 'sample-access', kind: 'access', format: 'jsonl', path: resolve('examples/access-log.jsonl') },
      { name: 'sample-consent', kind: 'consent', format: 'jsonl', path: resolve('examples/consent-export.jsonl') },
      { name: 'sample-audit', kind: 'audit', format: 'jsonl', path: resolve('examples/audit-trail.jsonl') },
    ],
  }) + extra);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govflow-first-contact-'));
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyText);
  configFile = writeConfig(dir);
  h = await startHarness({ configFile });
});
afterAll(async () => {
  await h?.close();
});

/** Each CLI call is a fresh process, and a run a real one: several per test need more than the default. */
const SLOW = { timeout: 360_000 };

const govflow = (args: string[], env: NodeJS.ProcessEnv = {}) => runGovflow(h, args, env);
const runCount = async () => Number((await h.sql('select count(*)::int as n from govflow.runs'))[0]!.n);

describe('the config a run uses is the one the user meant', () => {
  it('run --config with the worker\'s own config runs, and records and prints both files and their sha256', SLOW, async () => {
    const r = await govflow(['run', ...WINDOW, '--config', configFile, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const used = { configFile, configHash: sha256(configFile), policyFile, policyHash: sha256(policyFile) };
    expect(out.config).toEqual(used);
    expect(out.policyHash).toBe(used.policyHash);
    const [row] = await h.sql('select config_file, config_hash, policy_file, policy_hash from govflow.runs where workflow_id = $1', [out.workflowId]);
    expect(row).toEqual({ config_file: configFile, config_hash: used.configHash, policy_file: policyFile, policy_hash: used.policyHash });

    const human = await govflow(['run', ...WINDOW]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`ran with  config ${configFile} (sha256 ${used.configHash.slice(0, 12)}), policy ${policyFile} (sha256 ${used.policyHash.slice(0, 12)})`);
  });

  it('run --config naming another config is refused at once, naming both files and what to do', SLOW, async () => {
    const other = mkdtempSync(join(tmpdir(), 'govflow-other-'));
    writeFileSync(join(other, 'policy.yaml'), policyText);
    const otherConfig = writeConfig(other, '# another deployment\n');
    const before = await runCount();
    const r = await govflow(['run', ...WINDOW, '--config', otherConfig]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused');
    expect(r.stderr).not.toContain('refused: the run was refused');
    expect(r.stderr).toContain(`config ${otherConfig} (sha256 ${sha256(otherConfig).slice(0, 12)}) is not the worker's ${configFile}`);
    expect(r.stderr).toContain(`Restart the worker with --config ${otherConfig}, or start the run without --config`);
    // The policy is the same text: only the config is named as differing.
    expect(r.stderr).not.toContain(`policy ${join(other, 'policy.yaml')}`);
    expect(r.stdout).not.toMatch(/COMPLETED/);
    // Refused before any step: the ledger holds no run for it.
    expect(await runCount()).toBe(before);
  });

  it('run --config of a missing file, a YAML syntax error or an invalid field fails before starting, naming file and field', SLOW, async () => {
    const before = await runCount();
    const missing = join(dir, 'no-such.yaml');
    const m = await govflow(['run', ...WINDOW, '--config', missing]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`${missing} is invalid`);
    expect(m.stderr).toContain('cannot be read: there is no such file (ENOENT)');

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'policy: policy.yaml\nsources: [\n  - name: x\n');
    const b = await govflow(['run', ...WINDOW, '--config', broken]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`${broken} is invalid`);
    expect(b.stderr).toMatch(/is not valid YAML at line \d+/);
    expect(b.stderr).not.toMatch(/YAML at line .*:\s*$/m);

    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'policy: policy.yaml\nsources:\n  - {name: a, kind: weblog, format: jsonl, path: a.jsonl}\n');
    const i = await govflow(['run', ...WINDOW, '--config', invalid]);
    expect(i.code).toBe(1);
    expect(i.stderr).toContain('sources.0.kind: expected one of access, consent, audit');
    for (const r of [m, b, i]) expect(r.stderr).not.toMatch(/started /);
    expect(await runCount()).toBe(before);
  });

  it('an edited policy governs the next run, and a policy edited into an invalid one refuses the run, naming the file', SLOW, async () => {
    // The consent step checks the window's accesses for purposes that need consent (rowsIn).
    const first = JSON.parse((await govflow(['run', ...WINDOW, '--json'])).stdout);
    expect(first.tasks.consent.counts.rowsIn).toBeGreaterThan(0);

    // No purpose needs consent any more: the next run, on the same worker, checks none.
    writeFileSync(policyFile, policyText.replaceAll('requiresConsent: true', 'requiresConsent: false'));
    const edited = await govflow(['run', ...WINDOW, '--json']);
    expect(edited.code).toBe(0);
    const second = JSON.parse(edited.stdout);
    expect(second.policyHash).toBe(sha256(policyFile));
    expect(second.policyHash).not.toBe(first.policyHash);
    expect(second.tasks.consent.counts.rowsIn).toBe(0);
    const [row] = await h.sql('select policy_hash from govflow.runs where workflow_id = $1', [second.workflowId]);
    expect(row!.policy_hash).toBe(sha256(policyFile));

    writeFileSync(policyFile, policyText.replace('version: 1', 'version: 7'));
    const bad = await govflow(['run', ...WINDOW]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${policyFile} is invalid`);
    expect(bad.stderr).toContain('version: expected 1');
    expect(bad.stderr).toContain('fix it, then start the run again');

    writeFileSync(policyFile, policyText);
    const restored = JSON.parse((await govflow(['run', ...WINDOW, '--json'])).stdout);
    expect(restored.policyHash).toBe(first.policyHash);
    expect(restored.tasks.consent.counts.rowsIn).toBe(first.tasks.consent.counts.rowsIn);
  });
});

describe('no silent waits', () => {
  it('run, erase and stream status on a task queue no worker polls answer at once, exit 1, starting nothing', SLOW, async () => {
    const queue = `nobody-polls-${randomBytes(4).toString('hex')}`;
    const expected = `no worker is polling task queue "${queue}" on namespace "default" — start one with: npx govflow worker`;
    for (const args of [['run', ...WINDOW], ['erase', '--subject', 'user-1001'], ['stream', 'status']]) {
      const t0 = Date.now();
      const r = await govflow(args, { GOVFLOW_TASK_QUEUE: queue });
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr, args[0]).toContain(expected);
      expect(r.stderr, args[0]).not.toMatch(/started |starting /);
      expect(r.stderr, args[0]).not.toContain('unexpected error');
      expect(Date.now() - t0, args[0]).toBeLessThan(20_000);
    }
    const { executions } = await h.client.workflowService.listWorkflowExecutions({ namespace: 'default', query: `TaskQueue = '${queue}'` });
    expect(executions ?? []).toEqual([]);
    expect(await h.sql('select 1 from govflow.subject_erasures')).toEqual([]);
  });
});

describe('erasure of an id govflow has never seen', () => {
  it('says no data is held, writes a receipt saying so, exits 1, and suppresses nothing', SLOW, async () => {
    const r = await govflow(['erase', '--subject', 'nobody-9999', '--by', 'dpo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no data held for this id');
    expect(r.stdout).not.toMatch(/erased/);
    const receipts = await h.sql('select outcome, key_shredded, deleted from govflow.erasure_receipts');
    expect(receipts).toEqual([{ outcome: 'no_data_held', key_shredded: false, deleted: {} }]);
    expect(await h.sql('select subject_id, status from govflow.subject_erasures')).toEqual([{ subject_id: null, status: 'completed' }]);
    expect(await h.sql('select 1 from govflow.erased_identifiers')).toEqual([]);

    const json = await govflow(['erase', '--subject', 'nobody-9999', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'no_data_held', keyShredded: false, alreadyCompleted: false });

    // A person whose data is held is erased as before.
    const known = await govflow(['erase', '--subject', 'user-1001', '--json']);
    expect(known.code).toBe(0);
    expect(JSON.parse(known.stdout)).toMatchObject({ outcome: 'erased' });
  });
});
