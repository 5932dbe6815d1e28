import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { historyJson, nonRawTables } from '../support/leak-check';
import { spawn } from 'node:child_process';
import { runGovflow } from '../support/govflow-cli';
import { pseudonym } from '../../masking/pseudonym';
import { ipPrefix } from '../../masking/operators';
import type { GovernanceResult } from '../../workflows/governance';
import { dsrScheduleId } from '../../temporal/dsr-schedule';

// The promise of issue 5, end to end on the real dev server and Postgres: canary identifiers
// planted in every input format never reach anything outside the raw tables and the vault (the
// masked tables, findings, reports, alerts, the run ledger, a real worker process's logs, the
// JSON of the runs' Temporal histories); the analyst role cannot read raw data; tokens are
// reversible under audit; erasure shreds the person's key and deletes their raw rows.

const SUBJECT = 'zelda.quartermaine@canary-leak.example';
const WITHDRAWN = 'kit.marlowe@canary-leak.example';
const CANARIES = {
  subjectEmail: SUBJECT,
  otherEmail: 'orion.blackwood@canary-leak.example',
  uaEmail: 'zq.private@canary-leak.example',
  withdrawnEmail: WITHDRAWN,
  principal: 'orion.blackwood',
  name: 'Quartermaine',
  ipv4: '203.0.113.177',
  ipv6: '2001:db8:cafe:17::9',
  card: '4012888888881881',
  cardSpaced: '4012 8888 8888 1881',
  phone: '7946 0958',
  iban: 'GB82WEST12345698765432',
  ssn: '078-05-1123',
};
// Canaries are searched case-insensitively, and URL-encoded forms too.
const needles = [...new Set(Object.values(CANARIES).flatMap((c) => [c, encodeURIComponent(c)]))].map((c) => c.toLowerCase());
const leaksIn = (text: string) => needles.filter((n) => text.toLowerCase().includes(n));

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-canary-'));
  const line = (o: object) => JSON.stringify(o);
  const access = (id: string, time: string, o: object) =>
    line({ event_id: id, time, action: 'read', data_category: 'user.financial', purpose: 'analytics', outcome: 'success', region: 'eu-west-1', ...o });
  writeFileSync(join(dir, 'access.jsonl'), [
    access('can-1', '2026-11-01T10:10:00Z', {
      principal: CANARIES.principal, subject: SUBJECT, source_ip: CANARIES.ipv4,
      resource: `/api/v1/users/${SUBJECT}/payment?card=${CANARIES.card}&page=1&email=${encodeURIComponent(CANARIES.otherEmail)}&q=Zelda%20Quartermaine&new=${encodeURIComponent(CANARIES.uaEmail)}`,
      user_agent: `StreamApp/8.2.1 (Zelda Quartermaine's iPad; iOS 17.4) contact ${CANARIES.uaEmail} card ${CANARIES.cardSpaced} tel +44 20 ${CANARIES.phone}`,
    }),
    access('can-2', '2026-11-01T10:20:00Z', {
      principal: CANARIES.principal, subject: SUBJECT, source_ip: CANARIES.ipv6, purpose: 'service_delivery', outcome: 'denied',
      resource: `/api/v1/users/${encodeURIComponent(SUBJECT)}/iban/${CANARIES.iban}?ssn=${CANARIES.ssn}`,
      user_agent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) from ${CANARIES.ipv4}`,
    }),
    access('can-3', '2026-11-01T10:30:00Z', { principal: 'svc-analytics', subject: WITHDRAWN, source_ip: '198.51.100.7', resource: `/api/v1/users/${WITHDRAWN}/history`, user_agent: 'curl/8.4.0' }),
    `{"event_id": "can-bad", "time": "2026-11-01T10:40:00Z", "subject": "${SUBJECT}", "card": "${CANARIES.card}"`,
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'consent.jsonl'), [
    line({ event_id: 'cc-1', user_id: SUBJECT, purpose: 'analytics', granted: true, time: '2026-10-01T00:00:00Z', source: 'cmp', evidence: 'banner' }),
    line({ event_id: 'cc-2', user_id: WITHDRAWN, purpose: 'analytics', granted: true, time: '2026-10-01T00:00:00Z', source: 'cmp', evidence: 'banner' }),
    line({ event_id: 'cc-3', user_id: WITHDRAWN, purpose: 'analytics', granted: false, time: '2026-10-20T00:00:00Z', source: 'cmp', evidence: 'settings' }),
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'audit.jsonl'), [
    line({ event_id: 'ca-1', time: '2026-11-01T10:15:00Z', actor: CANARIES.principal, action: 'export.create', target: `user=${SUBJECT} note=Zelda Quartermaine ssn ${CANARIES.ssn}`, outcome: 'denied', source_ip: CANARIES.ipv4 }),
    line({ event_id: 'ca-2', time: '2026-11-01T10:16:00Z', actor: SUBJECT, action: 'login', target: 'console', outcome: 'success', source_ip: CANARIES.ipv6 }),
  ].join('\n') + '\n');
  const repo = resolve('.');
  writeFileSync(join(dir, 'govflow.yaml'), [
    `policy: ${join(repo, 'policy.yaml')}`,
    'sources:',
    `  - {name: sample-access, kind: access, format: jsonl, path: ${join(repo, 'examples/access-log.jsonl')}}`,
    `  - {name: sample-consent, kind: consent, format: jsonl, path: ${join(repo, 'examples/consent-export.jsonl')}}`,
    `  - {name: sample-audit, kind: audit, format: jsonl, path: ${join(repo, 'examples/audit-trail.jsonl')}}`,
    `  - {name: canary-access, kind: access, format: jsonl, path: ${join(dir, 'access.jsonl')}}`,
    `  - {name: canary-consent, kind: consent, format: jsonl, path: ${join(dir, 'consent.jsonl')}}`,
    `  - {name: canary-audit, kind: audit, format: jsonl, path: ${join(dir, 'audit.jsonl')}}`,
  ].join('\n') + '\n');
  return join(dir, 'govflow.yaml');
}

let h: Harness;
let configFile: string;
let run: GovernanceResult;
let workerLog = '';
let leakQueue = '';
const subjectRef = () => pseudonym(SUBJECT, h.env.pseudonymKey);

beforeAll(async () => {
  h = await startHarness();
  configFile = fixture();
  // A real `govflow worker` process on a queue of its own, so its own log output can be searched.
  const queue = `${h.taskQueue}-leak`;
  leakQueue = queue;
  const worker = spawn(process.execPath, ['bin/govflow.mjs', 'worker'], {
    env: { ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_CONFIG: configFile, GOVFLOW_TASK_QUEUE: queue, GOVFLOW_LOG_LEVEL: 'DEBUG', GOVFLOW_LOG_FORMAT: 'json' },
  });
  worker.stdout.on('data', (d) => (workerLog += d));
  worker.stderr.on('data', (d) => (workerLog += d));
  const exited = new Promise((r) => worker.on('exit', r));
  try {
    const deadline = Date.now() + 120_000;
    while (!workerLog.includes('polling task queue')) {
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`worker did not start:\n${workerLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    run = await h.client.workflow.execute('governanceRun', {
      taskQueue: queue,
      workflowId: `canary-${Date.now()}`,
      args: [{ window: { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' } }],
    });
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }
});
afterAll(async () => {
  if (leakQueue) await h?.client.schedule.getHandle(dsrScheduleId(leakQueue)).delete().catch(() => {});
  await h?.close();
});

describe('govflow worker', () => {
  it('creates the data-subject-requests schedule of its queue, so erasures need no command', async () => {
    const d = await h.client.schedule.getHandle(dsrScheduleId(leakQueue)).describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dataSubjectRequests', taskQueue: leakQueue });
    expect(d.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(workerLog).toContain(`created schedule ${dsrScheduleId(leakQueue)}`);
  });
});

describe('canary identifiers', () => {
  it('reach the raw tables (so the test is planting them where they would leak from)', async () => {
    expect(run.status).toBe('completed');
    const raw = JSON.stringify(await h.sql(`select * from govflow.access_events where source = 'canary-access'`));
    expect(leaksIn(raw)).toEqual(expect.arrayContaining([SUBJECT.toLowerCase(), CANARIES.card, CANARIES.ipv4, CANARIES.uaEmail]));
    const [{ n }] = (await h.sql(`select count(*)::int as n from govflow.masked_events where source = 'canary-access'`)) as [{ n: number }];
    expect(n).toBe(2); // can-3's person withdrew analytics consent
  });

  it('never appear in masked tables, findings, reports, alerts or any other non-raw table', async () => {
    const dumps = await nonRawTables(h);
    expect(Object.keys(dumps)).toEqual(expect.arrayContaining(['masked_events', 'masked_audit_trail', 'reports', 'alerts', 'audit_findings', 'pii_vault']));
    for (const [table, dump] of Object.entries(dumps)) expect(leaksIn(dump), table).toEqual([]);
    const masked = (await h.sql(`select * from govflow.masked_events where source = 'canary-access' order by event_id`)) as Array<Record<string, string>>;
    expect(masked[0]!.subject_key).toBe(subjectRef());
    expect(masked[0]!.ip_prefix).toBe('203.0.113.0/24');
    expect(masked[1]!.ip_prefix).toBe('2001:db8:cafe::/48');
    // email= is an identifier parameter: the address becomes its owner's pseudonym.
    // A value that is one piece of personal data gets its kind's operator; free text a placeholder.
    expect(masked[0]!.resource).toMatch(new RegExp(`^/api/v1/users/${subjectRef()}/payment\\?card=\\[credit_card\\]&page=1&email=${pseudonym(CANARIES.otherEmail, h.env.pseudonymKey)}&q=\\{text\\}&new=tok_[0-9a-f]{32}$`));
    // The user agent is rebuilt from its parsed fields: the device name, e-mail, card and phone are gone.
    expect(masked[0]!.user_agent).toBe('StreamApp/8.2 (iOS; tablet; Apple)');
    expect(masked[1]!.resource).toBe(`/api/v1/users/${subjectRef()}/iban/[iban]?ssn=[us_ssn]`);
    const [trail] = await h.sql(`select target from govflow.masked_audit_trail where source = 'canary-audit' and event_id = 'ca-1'`);
    // note= holds an unquoted value of several words: one value, shown by the kind found in it.
    expect(trail!.target).toBe(`user=${subjectRef()} note={ssn}`);
  });

  it('never appear in the worker process log', () => {
    expect(workerLog).toContain('polling task queue');
    expect(leaksIn(workerLog)).toEqual([]);
  });

  it("never appear in the worker's JSON log lines, attribute values included, down to DEBUG", () => {
    // The log is searched as text above; here each line is parsed, so a canary escaped inside a
    // JSON string (\u0040 for @, a nested object) is searched in its decoded form too.
    const lines = workerLog.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.filter((l) => l.msg === 'step completed' && l.workflowId === run.workflowId);
    expect(steps.map((l) => l.activityType)).toEqual(expect.arrayContaining(['ingestUnit', 'audit', 'consent', 'mask', 'report']));
    expect(lines.some((l) => l.msg === 'Activity started')).toBe(true); // DEBUG lines are in
    for (const l of lines) expect(leaksIn(JSON.stringify(l)), String(l.msg)).toEqual([]);
  });

  it("never appear in the run's Temporal history", async () => {
    const history = await historyJson(h, run.workflowId);
    expect(history).toContain('2026-11-01T10:00:00'); // the decoded input: payloads are searched as text
    expect(leaksIn(history)).toEqual([]);
  });
});

describe('generalisation in TypeScript and SQL', () => {
  it('gives the same IP prefixes as govflow.ip_prefix()', async () => {
    const ips = ['198.51.100.54', '10.0.0.1', '2001:db8:85a3:1234::8a2e:370:7334', '2001:db8::1', '2001:0:0:1::1', 'fe80::1', '::ffff:192.0.2.1', CANARIES.ipv6,
      // IPv6 that carries IPv4 (mapped, compatible, NAT64, 6to4, Teredo): both sides give the IPv4 /24.
      '::192.0.2.1', '64:ff9b::cb00:7142', '64:ff9b::198.51.100.7', '2002:c000:221::1', '2002:cb00:7142::5e', '2001:0:4136:e378:8000:63bf:3fff:fdd2'];
    for (const ip of ips) {
      const [row] = await h.sql('select govflow.ip_prefix($1) as p', [ip]);
      expect(ipPrefix(ip), ip).toBe(row!.p);
      if (ip.startsWith('2002:') || ip.startsWith('64:ff9b') || ip.includes('.')) expect(ipPrefix(ip), ip).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
    }
  });

  it('agree on random addresses of every kind that embeds IPv4, and on others', async () => {
    // govflow.ip_prefix() finds the embedded IPv4 by inet containment and arithmetic (migration
    // 2026-11-30T2200), ipPrefix() by bytes (ipaddr.js): any disagreement is a bug on one side.
    const hextet = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    const octet = fc.integer({ min: 0, max: 255 });
    const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const address = fc.oneof(
      v4,
      v4.map((a) => `::ffff:${a}`),
      v4.map((a) => `::${a}`),
      fc.tuple(hextet, hextet).map(([a, b]) => `::${a}:${b}`),
      fc.tuple(hextet, hextet).map(([a, b]) => `64:ff9b::${a}:${b}`),
      fc.tuple(hextet, hextet, hextet).map(([a, b, c]) => `2002:${a}:${b}::${c}`),
      fc.tuple(fc.constantFrom('0', 'c000'), fc.constantFrom('0', '221')).map(([a, b]) => `2002:${a}:${b}::1`),
      fc.array(hextet, { minLength: 6, maxLength: 6 }).map((h) => `2001:0:${h.join(':')}`),
      fc.array(hextet, { minLength: 8, maxLength: 8 }).map((h) => h.join(':')),
    );
    const ips = fc.sample(address, { numRuns: 3000, seed: 25 });
    const rows = await h.sql('select ip, govflow.ip_prefix(ip) as p from unnest($1::text[]) as ip', [ips]);
    const wrong = rows.filter((r) => ipPrefix(r.ip as string) !== r.p).map((r) => `${r.ip}: ${ipPrefix(r.ip as string)} ≠ ${r.p}`);
    expect(wrong).toEqual([]);
  });
});

describe('least privilege', () => {
  async function asAnalyst(query: string): Promise<string> {
    const client = new pg.Client({ connectionString: h.databaseUrl });
    await client.connect();
    try {
      await client.query('set role govflow_analyst');
      const r = await client.query(query);
      return `ok ${r.rowCount}`;
    } catch (err) {
      return `refused ${(err as { code?: string }).code}`;
    } finally {
      await client.end();
    }
  }

  it('lets govflow_analyst read the masked tables and refuses it everything raw, and the vault', async () => {
    expect(await asAnalyst('select * from govflow.masked_events')).toMatch(/^ok [1-9]/);
    expect(await asAnalyst('select * from govflow.masked_audit_trail')).toMatch(/^ok [1-9]/);
    for (const table of ['access_events', 'access_events_default', 'audit_trail_events', 'consent_events', 'consent_state', 'rejected_records', 'pii_vault', 'subject_keys', 'pii_access_log', 'subject_erasures', 'audit_findings']) {
      expect(await asAnalyst(`select * from govflow.${table} limit 1`), table).toBe('refused 42501');
    }
    expect(await asAnalyst(`insert into govflow.masked_events (source, event_id, occurred_hour, action, outcome, key_id, workflow_id) values ('x','x',now(),'x','x','x','x')`)).toBe('refused 42501');
  });
});

describe('tokens and erasure', () => {
  let token: string;

  it('reveals a token only through detokenise, and logs who asked and why', async () => {
    const [row] = await h.sql(`select resource from govflow.masked_events where source = 'canary-access' and event_id = 'can-1'`);
    token = String(row!.resource).match(/tok_[0-9a-f]{32}/)![0];
    const r = await runGovflow(h, ['detokenise', token, '--reason', 'DSAR 42', '--by', 'dpo']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(CANARIES.uaEmail);
    const log = await h.sql('select accessor, reason, outcome, subject_ref from govflow.pii_access_log where token = $1', [token]);
    expect(log).toEqual([{ accessor: 'dpo', reason: 'DSAR 42', outcome: 'granted', subject_ref: subjectRef() }]);
  });

  it('creates a data key only for the people whose values were sealed', async () => {
    // Everyone else's events seal nothing: a key (and a vault write) per new person would be waste.
    const [keys] = await h.sql(
      `select count(*)::int as n, count(*) filter (where subject_ref not in (select subject_ref from govflow.pii_vault))::int as unused
       from govflow.subject_keys`,
    );
    const [people] = await h.sql('select count(distinct subject_id)::int as n from govflow.access_events');
    expect(keys).toMatchObject({ unused: 0 });
    expect(Number(keys!.n)).toBeGreaterThan(0);
    expect(Number(keys!.n)).toBeLessThan(Number(people!.n));
  });

  it('erase shreds the key, deletes raw rows, keeps pseudonymous aggregates, writes a receipt, and keeps the id out of Temporal', async () => {
    const maskedBefore = await h.sql('select count(*)::int as n from govflow.masked_events where subject_key = $1', [subjectRef()]);
    const r = await runGovflow(h, ['erase', '--subject', SUBJECT, '--by', 'dpo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ subjectRef: subjectRef(), keyShredded: true, alreadyCompleted: false });
    expect(out.deleted).toMatchObject({ access_events: 2, consent_events: 1, consent_state: 1, audit_trail_events: 1, rejected_records: 1, audit_trail_events_redacted: 1 });

    // No raw value of the person can be read any more.
    for (const table of ['access_events', 'consent_events', 'consent_state', 'audit_trail_events', 'rejected_records', 'subject_erasures', 'consent_withdrawals', 'erasure_requests']) {
      if (!(await h.sql(`select to_regclass('govflow.${table}') as t`))[0]!.t) continue; // a table of another step, absent here
      const dump = JSON.stringify(await h.sql(`select * from govflow.${table}`));
      expect(dump.includes(SUBJECT), table).toBe(false);
    }
    expect(await h.sql('select 1 from govflow.subject_keys where subject_ref = $1', [subjectRef()])).toEqual([]);
    const again = await runGovflow(h, ['detokenise', token, '--reason', 'after erasure']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/erased person: its key is shredded/);
    expect(await h.sql('select count(*)::int as n from govflow.masked_events where subject_key = $1', [subjectRef()])).toEqual(maskedBefore);

    // A source read again cannot bring the person back: their rows are skipped on insert.
    await h.sql(`insert into govflow.access_events (source, event_id, occurred_at, subject_id, action, outcome)
      values ('canary-access', 'can-1', '2026-11-01T10:10:00Z', $1, 'read', 'success'), ('canary-access', 'other', '2026-11-01T10:10:00Z', 'someone-else', 'read', 'success')`, [SUBJECT]);
    await h.sql(`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at) values ('canary-consent', 'cc-1', $1, 'analytics', true, now())`, [SUBJECT]);
    await h.sql(`insert into govflow.audit_trail_events (source, event_id, occurred_at, actor, action, outcome) values ('canary-audit', 'ca-2', now(), $1, 'login', 'success')`, [SUBJECT]);
    expect(await h.sql(`select subject_id from govflow.access_events where event_id in ('can-1', 'other') order by event_id`)).toEqual([{ subject_id: 'someone-else' }]);
    expect(await h.sql('select 1 from govflow.consent_events where subject_id = $1 union all select 1 from govflow.audit_trail_events where actor = $1', [SUBJECT])).toEqual([]);
    expect(JSON.stringify(await h.sql('select * from govflow.erased_identifiers'))).not.toContain(SUBJECT);

    const receipts = await h.sql('select subject_ref, key_shredded, workflow_id from govflow.erasure_receipts');
    expect(receipts).toEqual([{ subject_ref: subjectRef(), key_shredded: true, workflow_id: out.workflowId }]);
    const history = await historyJson(h, out.workflowId);
    expect(history).toContain(`{\\"requestId\\":${out.requestId}}`);
    expect(leaksIn(history)).toEqual([]);
  });

  it('is harmless when run twice', async () => {
    const r = await runGovflow(h, ['erase', '--subject', SUBJECT, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.keyShredded).toBe(false);
    expect(Object.values(out.deleted).every((n) => n === 0)).toBe(true);
    expect(await h.sql('select count(*)::int as n from govflow.erasure_receipts')).toEqual([{ n: 2 }]);
    const human = await runGovflow(h, ['erase']);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/erase needs the person/);
  });
});
