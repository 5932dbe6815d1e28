import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { runGovflow } from '../support/govflow-cli';
import { pseudonym } from '../../masking/pseudonym';
import type { RetentionRunResult } from '../../workflows/retention';

// Retention end to end: rows planted older and newer than each class's period (directly in SQL),
// a legal hold on a person (placed with the CLI) and one on a source (in the policy), then a dry
// run, a real run and a second run through the real worker and Postgres.

const HELD = 'alice-held';
const HELD_SOURCE = 'held-src';
/** A person with vault entries but no other data, on legal hold in the policy. */
const VAULT_HELD = 'vera-vault-held';
const RETENTION = {
  accessEventsDays: 30,
  auditTrailDays: 30,
  maskedEventsDays: 60,
  findingsDays: 90,
  consentLedgerDays: 120,
  rejectedRecordsDays: 10,
  reportsDays: 200,
  legalHolds: [{ source: HELD_SOURCE, reason: 'litigation 42' }, { subject: VAULT_HELD, reason: 'litigation 43' }],
};

function policyWithRetention(): string {
  const policy = parse(readFileSync(resolve('policy.yaml'), 'utf8'));
  policy.retention = RETENTION;
  const file = join(mkdtempSync(join(tmpdir(), 'govflow-retention-')), 'policy.yaml');
  writeFileSync(file, stringify(policy));
  return file;
}

let h: Harness;
beforeAll(async () => {
  const config = writeConfig([{ name: 'app', kind: 'access', format: 'jsonl', path: '/nonexistent/app.jsonl' }], policyWithRetention());
  h = await startHarness({ configFile: config });
});
afterAll(async () => {
  await h?.close();
});

const ago = (days: number, extra = '0 seconds') => `now() - interval '${days} days' - interval '${extra}'`;

/** Rows of every class: "old" ones past the period, "new" ones inside it, "held" ones old but on hold. */
async function plant() {
  const key = (id: string) => pseudonym(id, h.env.pseudonymKey);
  // access_events (30 days): partition A wholly old; partition B old with held rows; the cut-off's
  // own day (straddles); the default partition (days without a partition of their own).
  await h.sql(`select govflow.ensure_access_partition((${ago(40)})::date), govflow.ensure_access_partition((${ago(35)})::date),
    govflow.ensure_access_partition((${ago(30)})::date)`);
  const access = (id: string, at: string, o: { subject?: string; principal?: string; source?: string } = {}) =>
    h.sql(`insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, outcome)
      values ($1, $2, ${at}, $3, $4, 'read', 'success')`, [o.source ?? 'app', id, o.principal ?? 'svc', o.subject ?? 'bob']);
  for (const i of [1, 2, 3]) await access(`a${i}`, ago(40));
  await access('b1', ago(35));
  await access('b2', ago(35, '1 hour'));
  await access('b-held-subject', ago(35), { subject: HELD });
  await access('b-held-source', ago(35), { source: HELD_SOURCE });
  await access('straddle-old', `greatest(date_trunc('day', ${ago(30)}), ${ago(30, '10 minutes')})`);
  await access('straddle-new', `${ago(30)} + interval '10 minutes'`);
  await access('default-old', ago(45));
  await access('default-new', ago(0, '1 hour'));
  await access('default-held-principal', ago(45), { principal: HELD });

  // audit_trail_events (30 days)
  const audit = (id: string, at: string, actor = 'admin', source = 'app') =>
    h.sql(`insert into govflow.audit_trail_events (source, event_id, occurred_at, actor, action, outcome) values ($1, $2, ${at}, $3, 'login', 'success')`, [source, id, actor]);
  await audit('t1', ago(31));
  await audit('t2', ago(100));
  await audit('t-held', ago(100), HELD);
  await audit('t-held-src', ago(100), 'admin', HELD_SOURCE);
  await audit('t-new', ago(29));

  // masked_events, masked_audit_trail (60 days): held by the person's pseudonym
  const masked = (id: string, at: string, subjectKey: string) =>
    h.sql(`insert into govflow.masked_events (source, event_id, occurred_hour, subject_key, action, outcome, key_id, workflow_id)
      values ('app', $1, ${at}, $2, 'read', 'success', 'dev', 'wf')`, [id, subjectKey]);
  await masked('m1', ago(61), key('bob'));
  await masked('m2', ago(400), key('bob'));
  await masked('m-held', ago(400), key(HELD));
  await masked('m-new', ago(59), key('bob'));
  const maskedAudit = (id: string, at: string, actorKey: string) =>
    h.sql(`insert into govflow.masked_audit_trail (source, event_id, occurred_hour, actor_key, action, outcome, key_id, workflow_id)
      values ('app', $1, ${at}, $2, 'login', 'success', 'dev', 'wf')`, [id, actorKey]);
  await maskedAudit('ma1', ago(61), key('admin'));
  await maskedAudit('ma-held', ago(61), key(HELD));
  await maskedAudit('ma-new', ago(1), key('admin'));

  // audit_findings, consent_violations (90 days)
  const finding = (id: string, at: string, subjectKey: string) =>
    h.sql(`insert into govflow.audit_findings (dedupe_key, rule, severity, description, occurred_at, subject_key, first_workflow_id, last_workflow_id)
      values ($1, 'r', 'high', 'd', ${at}, $2, 'wf', 'wf')`, [id, subjectKey]);
  await finding('f1', ago(91), key('bob'));
  await finding('f2', ago(500), key('bob'));
  await finding('f-held', ago(500), key(HELD));
  await finding('f-new', ago(89), key('bob'));
  const violation = (id: string, at: string, source = 'app') =>
    h.sql(`insert into govflow.consent_violations (source, event_id, occurred_at, subject_key, purpose, reason, workflow_id)
      values ($1, $2, ${at}, $3, 'analytics', 'withdrawn', 'wf')`, [source, id, key('bob')]);
  await violation('v1', ago(91));
  await violation('v-held-src', ago(91), HELD_SOURCE);
  await violation('v-new', ago(1));

  // consent_events (120 days): superseded old events go; a person's latest event stays at any age
  const consent = (id: string, subject: string, granted: boolean, at: string) =>
    h.sql(`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at)
      values ('cmp', $1, $2, 'analytics', $3, ${at}) returning id`, [id, subject, granted]);
  await consent('c-bob-1', 'bob', true, ago(200));
  await consent('c-bob-2', 'bob', false, ago(150));
  const bobLatest = await consent('c-bob-3', 'bob', true, ago(10));
  const carolOnly = await consent('c-carol', 'carol', true, ago(300));
  await consent('c-held-1', HELD, true, ago(200));
  await consent('c-held-2', HELD, false, ago(190));
  await h.sql(`insert into govflow.consent_state (subject_id, purpose, granted, as_of, event_ref)
    values ('bob', 'analytics', true, ${ago(10)}, $1), ('carol', 'analytics', true, ${ago(300)}, $2)`, [bobLatest[0]!.id, carolOnly[0]!.id]);

  // rejected_records (10 days, from quarantine time): a line mentioning the held person stays
  const rejected = (pos: number, at: string, raw: string) =>
    h.sql(`insert into govflow.rejected_records (source, file, position, reason, raw, first_workflow_id, last_workflow_id, created_at)
      values ('app', 'f.jsonl', $1, 'bad json', $2, 'wf', 'wf', ${at})`, [pos, raw]);
  await rejected(1, ago(11), '{"broken');
  await rejected(2, ago(50), '{"also broken');
  await rejected(3, ago(50), `{"user":"${HELD}"`);
  await rejected(4, ago(9), '{"new');

  // reports (200 days, by window end)
  const report = (kind: string, end: string) =>
    h.sql(`insert into govflow.reports (kind, window_start, window_end, workflow_id, policy_hash, html, text, kpis)
      values ($1, ${end} - interval '1 hour', ${end}, 'wf', 'h', '<p>', 't', '{}')`, [kind]);
  await report('access-audit', ago(201));
  await report('access-audit', ago(199));

  // Vault entries and data keys (no period: those of people with no remaining data go). "gone"
  // has no row anywhere; bob has rows; VAULT_HELD has none but is on hold.
  const vault = async (person: string, tokens: string[]) => {
    await h.sql(`insert into govflow.subject_keys (subject_ref, key_id, wrapped_key, created_at) values ($1, 'dev', 'wrapped', ${ago(0, '1 minute')})`, [key(person)]);
    for (const t of tokens) {
      await h.sql(`insert into govflow.pii_vault (token, subject_ref, kind, ciphertext, created_at) values ($1, $2, 'email', 'sealed', ${ago(0, '1 minute')})`, [t, key(person)]);
    }
  };
  await vault('gone', ['tok_gone_1', 'tok_gone_2']);
  await vault('bob', ['tok_bob']);
  await vault(VAULT_HELD, ['tok_held']);
}

const TABLES = [
  'access_events', 'audit_trail_events', 'masked_events', 'masked_audit_trail', 'audit_findings', 'consent_violations',
  'consent_time_uncertain', 'consent_events', 'rejected_records', 'reports', 'pii_vault', 'subject_keys',
] as const;

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await h.sql(`select count(*) as n from govflow.${t}`))[0]!.n);
  return out;
}

const BEFORE = {
  access_events: 12, audit_trail_events: 5, masked_events: 4, masked_audit_trail: 3, audit_findings: 4,
  consent_violations: 3, consent_time_uncertain: 0, consent_events: 6, rejected_records: 4, reports: 2, pii_vault: 4, subject_keys: 3,
};
const REMOVED = {
  access_events: 7, audit_trail_events: 2, masked_events: 2, masked_audit_trail: 1, audit_findings: 2,
  consent_violations: 1, consent_time_uncertain: 0, consent_events: 2, rejected_records: 2, reports: 1, pii_vault: 2, subject_keys: 1,
};
const HELD_ROWS = {
  access_events: 3, audit_trail_events: 2, masked_events: 1, masked_audit_trail: 1, audit_findings: 1,
  consent_violations: 1, consent_time_uncertain: 0, consent_events: 2, rejected_records: 1, reports: 0, pii_vault: 1, subject_keys: 1,
};

function byTable(r: RetentionRunResult) {
  const out: Record<string, { rowsRemoved: number; rowsHeld: number; partitionsRemoved: number }> = {};
  for (const c of r.classes) for (const t of c.tables) out[t.table] = t;
  return out;
}
const pick = (o: Record<string, { [k: string]: number }>, k: string) => Object.fromEntries(Object.entries(o).map(([t, v]) => [t, v[k]]));

const runRetention = (dryRun = false) =>
  h.client.workflow.execute('retentionRun', {
    taskQueue: h.taskQueue, workflowId: `retention-test-${Date.now()}`, args: [{ dryRun }],
  }) as Promise<RetentionRunResult>;

describe('retention', () => {
  beforeAll(async () => {
    await plant();
    const hold = await runGovflow(h, ['retention', 'hold', '--subject', HELD, '--reason', 'case 7']);
    expect(hold.stderr).toBe('');
    expect(hold.code).toBe(0);
    expect(hold.stdout).toContain(pseudonym(HELD, h.env.pseudonymKey));
    expect(hold.stdout).not.toContain(HELD);
  });

  it('planted what the test counts on', async () => {
    expect(await counts()).toEqual(BEFORE);
  });

  it('a dry run (CLI --dry-run --json) reports what would go and deletes nothing', async () => {
    const r = await runGovflow(h, ['retention', 'run', '--dry-run', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as RetentionRunResult;
    expect(out.dryRun).toBe(true);
    expect(pick(byTable(out), 'rowsRemoved')).toEqual(REMOVED);
    expect(pick(byTable(out), 'rowsHeld')).toEqual(HELD_ROWS);
    expect(byTable(out).access_events!.partitionsRemoved).toBe(1);
    expect(await counts()).toEqual(BEFORE);
    const receipts = await h.sql('select dry_run, count(*)::int as n from govflow.retention_receipts where run_id = $1 group by dry_run', [out.runId]);
    expect(receipts).toEqual([{ dry_run: true, n: TABLES.length }]);
  });

  it('a run removes exactly the rows past each period, keeps held rows, and writes a receipt', async () => {
    const run = await runRetention();
    expect(pick(byTable(run), 'rowsRemoved')).toEqual(REMOVED);
    expect(pick(byTable(run), 'rowsHeld')).toEqual(HELD_ROWS);
    expect(byTable(run).access_events!.partitionsRemoved).toBe(1);
    const after = await counts();
    for (const t of TABLES) expect(after[t], t).toBe(BEFORE[t] - REMOVED[t]);

    // The wholly old partition is gone; the one holding held rows stays with only those.
    const partA = `access_events_${(await h.sql(`select to_char((${ago(40)})::date, 'YYYYMMDD') as d`))[0]!.d}`;
    expect((await h.sql('select to_regclass($1) as r', [`govflow.${partA}`]))[0]!.r).toBeNull();
    expect((await h.sql('select event_id from govflow.access_events order by event_id')).map((r) => r.event_id)).toEqual(
      ['b-held-source', 'b-held-subject', 'default-held-principal', 'default-new', 'straddle-new'],
    );
    // Only the vault entries and key of the person with no data left went; the held one stayed.
    expect((await h.sql('select token from govflow.pii_vault order by token')).map((r) => r.token)).toEqual(['tok_bob', 'tok_held']);
    expect(await h.sql('select 1 from govflow.subject_keys where subject_ref = $1', [pseudonym('gone', h.env.pseudonymKey)])).toEqual([]);
    // The consent ledger keeps each person's latest choice, so consent_state still points at it.
    expect((await h.sql('select event_id from govflow.consent_events order by event_id')).map((r) => r.event_id)).toEqual(
      ['c-bob-3', 'c-carol', 'c-held-1', 'c-held-2'],
    );
    expect(await h.sql(`select count(*)::int as n from govflow.consent_state s
      where not exists (select 1 from govflow.consent_events e where e.id = s.event_ref)`)).toEqual([{ n: 0 }]);

    const receipts = await h.sql(`select table_class, table_name, rows_removed::int, partitions_removed, rows_held::int, cutoff, policy_hash, dry_run
      from govflow.retention_receipts where run_id = $1 order by id`, [run.runId]);
    expect(receipts).toHaveLength(TABLES.length);
    const now = new Date(run.now).getTime();
    for (const r of receipts) {
      expect(r.rows_removed, String(r.table_name)).toBe(REMOVED[r.table_name as keyof typeof REMOVED]);
      expect(r.rows_held, String(r.table_name)).toBe(HELD_ROWS[r.table_name as keyof typeof HELD_ROWS]);
      expect(r.policy_hash).toBe(h.config.policy.hash);
      expect(r.dry_run).toBe(false);
    }
    const access = receipts.find((r) => r.table_name === 'access_events')!;
    expect(access).toMatchObject({ table_class: 'accessEvents', partitions_removed: 1 });
    expect((access.cutoff as Date).getTime()).toBe(now - 30 * 86_400_000);
  });

  it('a second run removes nothing', async () => {
    const again = await runRetention();
    expect(Object.values(pick(byTable(again), 'rowsRemoved')).every((n) => n === 0)).toBe(true);
    expect(Object.values(pick(byTable(again), 'partitionsRemoved')).every((n) => n === 0)).toBe(true);
    expect(await counts()).toEqual(Object.fromEntries(TABLES.map((t) => [t, BEFORE[t] - REMOVED[t]])));
  });

  it('once the hold is released, the person\'s expired rows go on the next run', async () => {
    const release = await runGovflow(h, ['retention', 'release', '--subject', HELD]);
    expect(release.code).toBe(0);
    const run = await runRetention();
    const t = byTable(run);
    // access: subject + principal rows; the source-held row stays (the policy still holds it).
    expect(t.access_events).toMatchObject({ rowsRemoved: 2, rowsHeld: 1 });
    expect(t.masked_events).toMatchObject({ rowsRemoved: 1, rowsHeld: 0 });
    expect(t.consent_events).toMatchObject({ rowsRemoved: 1, rowsHeld: 0 }); // the latest (withdrawal) stays
    expect(t.rejected_records).toMatchObject({ rowsRemoved: 1, rowsHeld: 0 });
  });

  it('schedule creates a Temporal Schedule that starts retentionRun', async () => {
    const id = `retention-${Date.now()}`;
    const r = await runGovflow(h, ['retention', 'schedule', id, '--every', '1d']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = await h.client.schedule.getHandle(id).describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionRun', taskQueue: h.taskQueue });
    expect(d.spec.intervals?.[0]?.every).toBe(86_400_000);
    await h.client.schedule.getHandle(id).delete();
  });

  it('a mistaken hold is a one-line error', async () => {
    const r = await runGovflow(h, ['retention', 'hold', '--subject', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--reason');
  });
});
