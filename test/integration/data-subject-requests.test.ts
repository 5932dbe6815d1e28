import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { runGovflow } from '../support/govflow-cli';
import { eventually } from '../support/eventually';
import { historyJson } from '../support/leak-check';
import { readZip } from '../support/read-zip';
import { pseudonym } from '../../masking/pseudonym';
import { loadDataKeys, storeVaultEntries } from '../../masking/vault/vault';
import { encryptValue } from '../../masking/vault/crypto';
import { vaultContext } from '../../masking/operators';
import { dsrScheduleId, ensureDsrSchedule } from '../../temporal/dsr-schedule';
import type { GovernanceResult } from '../../workflows/governance';
import type { DsrStatusRow } from '../../cli/commands/dsr';
import type { AccessExportManifest } from '../../lifecycle/access-request/export-zip';

// Data-subject requests end to end on the real dev server, worker and Postgres:
//  1. a consent withdrawal seen by a governance run is erased by the scheduled dataSubjectRequests
//     pass, with a receipt, without anyone typing a command (the test creates the schedule as the
//     worker does, and triggers it instead of waiting an hour);
//  2. an access request exports every planted row of one person and nothing of another.

const WITHDRAWN = 'wanda.withdrawn@dsr.example';
const KEEPS = 'kai.keeps@dsr.example';

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-dsr-'));
  const line = (o: object) => JSON.stringify(o);
  const access = (id: string, time: string, subject: string, purpose: string) =>
    line({ event_id: id, time, principal: 'svc-analytics', subject, action: 'read', data_category: 'user.behavior', purpose, outcome: 'success', region: 'eu-west-1' });
  writeFileSync(join(dir, 'access.jsonl'), [
    access('a-1', '2026-11-01T10:01:00Z', WITHDRAWN, 'analytics'),
    access('a-2', '2026-11-01T10:10:00Z', WITHDRAWN, 'analytics'),
    access('a-3', '2026-11-01T10:20:00Z', WITHDRAWN, 'service_delivery'),
    access('a-4', '2026-11-01T10:15:00Z', KEEPS, 'analytics'),
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'consent.jsonl'), [
    line({ event_id: 'c-1', user_id: WITHDRAWN, purpose: 'analytics', granted: true, time: '2026-10-01T00:00:00Z', source: 'cmp', evidence: 'banner' }),
    line({ event_id: 'c-2', user_id: WITHDRAWN, purpose: 'analytics', granted: false, time: '2026-11-01T10:05:00Z', source: 'cmp', evidence: 'settings' }),
    line({ event_id: 'c-3', user_id: KEEPS, purpose: 'analytics', granted: true, time: '2026-10-01T00:00:00Z', source: 'cmp', evidence: 'banner' }),
  ].join('\n') + '\n');
  return writeConfig([
    { name: 'dsr-access', kind: 'access', format: 'jsonl', path: join(dir, 'access.jsonl') },
    { name: 'dsr-consent', kind: 'consent', format: 'jsonl', path: join(dir, 'consent.jsonl') },
  ]);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ configFile: fixture() });
});
afterAll(async () => {
  await h?.client.schedule.getHandle(dsrScheduleId(h.taskQueue)).delete().catch(() => {});
  await h?.close();
});

describe('erasure after a consent withdrawal, without a command', () => {
  let requestId: number;

  it('the governance run queues the withdrawal', async () => {
    const run: GovernanceResult = await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue,
      workflowId: `dsr-run-${Date.now()}`,
      args: [{ window: { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' } }],
    });
    expect(run.status).toBe('completed');
    expect(await h.sql(`select subject_id, purpose, status from govflow.erasure_requests`)).toEqual([
      { subject_id: WITHDRAWN, purpose: 'analytics', status: 'pending' },
    ]);
  });

  it('the scheduled pass erases the purpose\'s data and writes a receipt', async () => {
    // What `govflow worker` and `npm start` do at start-up; then the hour "passes".
    expect(await ensureDsrSchedule(h.client, h.taskQueue)).toBe(true);
    expect(await ensureDsrSchedule(h.client, h.taskQueue)).toBe(false); // idempotent
    const schedule = h.client.schedule.getHandle(dsrScheduleId(h.taskQueue));
    expect((await schedule.describe()).action).toMatchObject({ workflowType: 'dataSubjectRequests', taskQueue: h.taskQueue });
    await schedule.trigger();

    const receipt = await eventually(async () => {
      const rows = await h.sql(`select r.*, e.origin, e.status, e.subject_id, e.requested_at as e_requested_at from govflow.erasure_receipts r
        join govflow.subject_erasures e on e.id = r.request_id`);
      return rows.length ? rows : undefined;
    }, 'the erasure receipt', 240_000);
    expect(receipt).toHaveLength(1);
    const r = receipt[0]!;
    requestId = Number(r.request_id);
    expect(r).toMatchObject({
      origin: 'consent', purpose: 'analytics', status: 'completed', subject_id: null, outcome: 'erased', key_shredded: false,
      subject_ref: pseudonym(WITHDRAWN, h.env.pseudonymKey), policy_hash: h.config.policy.hash,
    });
    expect((r.deleted as Record<string, number>).access_events).toBe(2);
    // Requested at the withdrawal; due one SLA (the default 30 days) later.
    expect(new Date(r.requested_at as string).toISOString()).toBe('2026-11-01T10:05:00.000Z');
    expect(new Date(r.due_at as string).getTime() - new Date(r.requested_at as string).getTime()).toBe(30 * 86_400_000);
    expect(await h.sql('select status, subject_erasure_id::int as id from govflow.erasure_requests')).toEqual([{ status: 'done', id: requestId }]);

    // The withdrawn purpose's events are gone; the person's other purpose, the consent evidence and
    // the other person's events stay.
    expect(await h.sql('select event_id from govflow.access_events order by event_id')).toEqual([{ event_id: 'a-3' }, { event_id: 'a-4' }]);
    expect(await h.sql(`select count(*)::int as n from govflow.masked_events where event_id in ('a-1', 'a-2')`)).toEqual([{ n: 0 }]);
    expect(await h.sql('select event_id from govflow.consent_events where subject_id = $1 order by event_id', [WITHDRAWN])).toEqual([{ event_id: 'c-1' }, { event_id: 'c-2' }]);

    // Temporal saw request ids only.
    const pass = (await schedule.describe()).info.recentActions[0]!.action.workflow.workflowId;
    for (const id of [pass, `erase-request-${requestId}`]) expect(await historyJson(h, id)).not.toContain(WITHDRAWN);
  });

  it('dsr status lists it completed, on time, with its receipt; an old queued request shows OVERDUE', async () => {
    await h.sql(`insert into govflow.erasure_requests (subject_id, purpose, reason, requested_at, source, event_id, workflow_id)
      values ('late-person', 'analytics', 'consent withdrawn (explicit)', now() - interval '40 days', 'cmp', 'late-1', 'wf')`);
    const r = await runGovflow(h, ['dsr', 'status', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as DsrStatusRow[];
    expect(rows.find((x) => x.id === requestId)).toMatchObject({
      kind: 'erasure', origin: 'consent', purpose: 'analytics', status: 'completed', overdue: false,
      subjectRef: pseudonym(WITHDRAWN, h.env.pseudonymKey), receipt: { outcome: 'erased', deleted: { access_events: 2 } },
    });
    expect(rows.find((x) => x.status === 'queued')).toMatchObject({ overdue: true, subjectRef: pseudonym('late-person', h.env.pseudonymKey) });
    expect(r.stdout).not.toContain(WITHDRAWN);
    const text = await runGovflow(h, ['dsr', 'status']);
    expect(text.stdout).toMatch(/erasure \(queued\) consent purpose analytics p_\w+: .* OVERDUE/);
  });

  it('a policy SLA beyond one month is refused, naming the field and the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govflow-dsr-policy-'));
    const policy = join(dir, 'policy.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(policy, readFileSync('policy.yaml', 'utf8') + '\ndataSubjectRequests:\n  erasureWithin: 45d\n');
    const config = writeConfig([{ name: 'x', kind: 'access', format: 'jsonl', path: '/nonexistent.jsonl' }], policy);
    const r = await runGovflow(h, ['dsr', 'status', '--config', config]);
    expect(r.code).not.toBe(0);
    // The format of every invalid policy: the file, then one line per field, no stack.
    expect(r.stderr).toContain(`${policy} is invalid`);
    expect(r.stderr).toContain('- dataSubjectRequests.erasureWithin: expected at most one month (31d, GDPR Art. 12(3)), got "45d"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('access request', () => {
  const ALICE = 'alice.access@dsr.example';
  const BOB = 'bob.other@dsr.example';
  const key = (id: string) => pseudonym(id, h.env.pseudonymKey);

  /** The same rows for each person, in every table the export covers; returns the planted ids. */
  async function plant(person: string, tag: string) {
    await h.sql(`insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, outcome, purpose)
      values ('p', $1, '2026-11-02T10:00:00Z', 'svc', $2, 'read', 'success', 'analytics'),
             ('p', $3, '2026-11-02T10:05:00Z', $2, 'someone', 'read', 'success', 'service_delivery')`, [`${tag}-subj`, person, `${tag}-prin`]);
    await h.sql(`insert into govflow.audit_trail_events (source, event_id, occurred_at, actor, action, target, outcome)
      values ('p', $1, '2026-11-02T10:00:00Z', $2, 'login', 'console', 'success'),
             ('p', $3, '2026-11-02T10:01:00Z', 'admin', 'user.update', 'user=' || $2, 'success')`, [`${tag}-actor`, person, `${tag}-target`]);
    await h.sql(`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at)
      values ('cmp', $1, $2, 'analytics', true, '2026-10-01T00:00:00Z'), ('cmp', $3, $2, 'analytics', false, '2026-10-02T00:00:00Z')`, [`${tag}-c1`, person, `${tag}-c2`]);
    await h.sql(`insert into govflow.audit_findings (dedupe_key, rule, severity, description, occurred_at, subject_key, first_workflow_id, last_workflow_id)
      values ($1, 'r', 'high', 'd', '2026-11-02T10:00:00Z', $2, 'wf', 'wf')`, [`${tag}-finding`, key(person)]);
    await h.sql(`insert into govflow.consent_violations (source, event_id, occurred_at, subject_key, purpose, reason, workflow_id)
      values ('p', $1, '2026-11-02T10:00:00Z', $2, 'analytics', 'withdrawn', 'wf')`, [`${tag}-violation`, key(person)]);
    const keys = new Map<string, Buffer>();
    await loadDataKeys(h.db, h.env.vaultKey, 'dev', [key(person)], keys);
    const token = `tok_${createHash('sha256').update(tag).digest('hex').slice(0, 32)}`;
    await storeVaultEntries(h.db, [{ token, subjectRef: key(person), kind: 'email', ciphertext: encryptValue(keys.get(key(person))!, `${tag}-secret@mail.example`, vaultContext(token)) }]);
    return token;
  }

  it('exports every planted row of the person and nothing of another, in a zip with a manifest', async () => {
    const aliceToken = await plant(ALICE, 'alice');
    const bobToken = await plant(BOB, 'bob');
    const out = mkdtempSync(join(tmpdir(), 'govflow-dsar-'));
    const r = await runGovflow(h, ['access-request', '--subject', ALICE, '--out', out, '--by', 'dpo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.path).toBe(join(out, `${result.requestId}.zip`));
    expect(result.rows).toMatchObject({ access_events: 2, audit_trail_events: 2, consent_events: 2, audit_findings: 1, consent_violations: 1, pii_vault: 1 });

    const files = await readZip(result.path);
    expect(createHash('sha256').update(await import('node:fs').then((fs) => fs.readFileSync(result.path))).digest('hex')).toBe(result.sha256);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as AccessExportManifest;
    expect(manifest).toMatchObject({ requestId: result.requestId, subjectRef: key(ALICE), policyHash: h.config.policy.hash });
    for (const t of manifest.tables) {
      for (const f of t.files) expect(createHash('sha256').update(files.get(f.name)!).digest('hex'), f.name).toBe(f.sha256);
      expect(JSON.parse(files.get(`${t.name}.json`)!.toString()), t.name).toHaveLength(t.rows);
      expect(files.get(`${t.name}.csv`)!.toString().trimEnd().split('\r\n'), t.name).toHaveLength(t.rows + 1);
    }
    const json = (name: string) => JSON.parse(files.get(`${name}.json`)!.toString()) as Record<string, unknown>[];
    expect(json('access_events').map((e) => e.event_id).sort()).toEqual(['alice-prin', 'alice-subj']);
    expect(json('audit_trail_events').map((e) => e.event_id).sort()).toEqual(['alice-actor', 'alice-target']);
    expect(json('consent_events').map((e) => e.event_id).sort()).toEqual(['alice-c1', 'alice-c2']);
    expect(json('audit_findings').map((e) => e.dedupe_key)).toEqual(['alice-finding']);
    expect(json('consent_violations').map((e) => e.event_id)).toEqual(['alice-violation']);
    expect(json('pii_vault')).toEqual([expect.objectContaining({ token: aliceToken, value: 'alice-secret@mail.example', state: 'granted' })]);

    // Nothing of the other person, in any file.
    const all = [...files.values()].map((b) => b.toString()).join('\n');
    for (const needle of [BOB, key(BOB), bobToken, 'bob-secret', 'bob-']) expect(all).not.toContain(needle);

    // The disclosure is logged, the raw id is cleared, Temporal saw the request id only.
    const log = await h.sql('select token, accessor, outcome from govflow.pii_access_log where subject_ref = $1 order by token', [key(ALICE)]);
    expect(log).toEqual([
      { token: `access-request:${result.requestId}`, accessor: `access-request ${result.requestId}`, outcome: 'granted' },
      { token: aliceToken, accessor: `access-request ${result.requestId}`, outcome: 'granted' },
    ]);
    expect(await h.sql('select status, subject_id from govflow.access_requests where id = $1', [result.requestId])).toEqual([{ status: 'completed', subject_id: null }]);
    const history = await historyJson(h, result.workflowId);
    expect(history).toContain(`{\\"requestId\\":${result.requestId}}`);
    expect(history).not.toContain(ALICE);

    const status = JSON.parse((await runGovflow(h, ['dsr', 'status', '--json'])).stdout) as DsrStatusRow[];
    expect(status.find((x) => x.kind === 'access' && x.id === result.requestId)).toMatchObject({ status: 'completed', overdue: false, receipt: { path: result.path } });
  });
});
