import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { maskAccessEvent, maskAuditTrailEvent, type RawAccessEvent, type RawAuditTrailEvent } from '../../masking/mask-record';
import type { MaskKeys } from '../../masking/operators';
import { compileRoutes } from '../../masking/route-template';
import type { SeenCounts } from '../../masking/value';
import { pseudonym } from '../../masking/pseudonym';
import { MockActivityEnvironment } from '@temporalio/testing';
import { tableMasker } from '../../masking/mask-tables';
import type { TaskResult } from '../../workflow-safe/dag';

// The set-based mask step (masking/mask-window.ts) against the row-by-row masking it replaces
// (lib/mask-record.ts, the reference): after a real governance run on the dev server and
// Postgres, every masked row and every inventory count equals what the reference makes of the
// same raw rows. The traffic is made so that the masked form of a value depends on its row's
// people in every way the allow-list has: a path segment that is the row's subject (plain and
// percent-encoded), a word of a person's name in a path, e-mail addresses tokenised under the
// row's owner, identifier parameters, anonymous principals, audit targets naming their actor;
// and the same values recur in rows of other people, where they must mask differently.

const WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };
const SUBJECTS = ['user-1001', 'user-1002', 'zelda', 'zelda.quartermaine@canary.example', 'Orion Blackwood', 'jöran.åberg@exämple.se', 'kit.withdrawn'];
const PRINCIPALS = ['svc-recommender', 'support-agent-7', '-', 'anonymous', 'zelda', 'orion.blackwood'];
const UAS = [
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36',
  'StreamApp/8.2.1 (Zelda Quartermaine\'s iPad; iOS 17.4) contact zq.private@canary.example',
  'curl/8.4.0',
  'Roku/DVP-12.5 (12.5.0.4178)',
];
const IPS = ['198.51.100.54', '2001:db8:cafe:17::9', '2002:c000:0204::1', '::ffff:203.0.113.9'];

function resources(subject: string, i: number): string[] {
  return [
    `/api/v1/users/${subject}/watch-history?page=${i % 3}`,
    `/api/v1/users/${encodeURIComponent(subject)}/preferences`,
    '/api/v1/users/user-1001/watch-history?page=1',
    '/profiles/zelda-settings',
    '/api/v1/orion/blackwood/shelf',
    `/api/v1/search?q=blackwood&email=${encodeURIComponent('orion.blackwood@canary.example')}&new=${encodeURIComponent('zq.private@canary.example')}`,
    '/api/v1/billing/cards/5555341244441115/verify',
    `/api/v1/users/by-phone/${encodeURIComponent('+33 6 12 34 56 78')}?user=zelda`,
    '/catalog/titles/tt0111161.json',
  ];
}

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-setbased-'));
  const access: string[] = [];
  let n = 0;
  for (const [s, subject] of SUBJECTS.entries()) {
    for (const [p, principal] of PRINCIPALS.entries()) {
      for (const [r, resource] of resources(subject, p).entries()) {
        n++;
        access.push(JSON.stringify({
          event_id: `sb-${n}`, time: new Date(Date.parse(WINDOW.start) + n * 7_000).toISOString(), principal, subject, action: 'read', resource,
          data_category: 'user.behavior', purpose: 'analytics', outcome: 'success', region: 'eu-west-1',
          source_ip: IPS[(s + r) % IPS.length], user_agent: UAS[(s + p + r) % UAS.length],
        }));
      }
    }
  }
  writeFileSync(join(dir, 'access.jsonl'), access.join('\n') + '\n');
  const targets = (actor: string) => [
    `user=${actor} note=mail:${actor.includes('@') ? actor : 'bob@example.com'}`,
    `role=data-analyst principal=bob.smith note="Zelda Quartermaine asked"`,
    `arn:aws:iam::123456789012:user/${actor}`,
    `/api/v1/users/${actor}/export`,
    'console',
  ];
  const trail: string[] = [];
  for (const actor of [...SUBJECTS, '-']) {
    for (const target of targets(actor)) {
      n++;
      trail.push(JSON.stringify({ event_id: `sa-${n}`, time: new Date(Date.parse(WINDOW.start) + n * 5_000).toISOString(), actor, action: 'role.grant', target, outcome: 'success', source_ip: IPS[n % IPS.length] }));
    }
  }
  writeFileSync(join(dir, 'audit.jsonl'), trail.join('\n') + '\n');
  writeFileSync(join(dir, 'consent.jsonl'), [
    JSON.stringify({ event_id: 'c-1', user_id: 'kit.withdrawn', purpose: 'analytics', granted: false, time: '2026-10-20T00:00:00Z', source: 'cmp', evidence: 'settings' }),
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'govflow.yaml'), [
    `policy: ${join(resolve('.'), 'policy.yaml')}`,
    'sources:',
    `  - {name: sb-access, kind: access, format: jsonl, path: ${join(dir, 'access.jsonl')}}`,
    `  - {name: sb-consent, kind: consent, format: jsonl, path: ${join(dir, 'consent.jsonl')}}`,
    `  - {name: sb-audit, kind: audit, format: jsonl, path: ${join(dir, 'audit.jsonl')}}`,
  ].join('\n') + '\n');
  return join(dir, 'govflow.yaml');
}

let h: Harness;
const runOnce = async (id: string) => {
  const r = await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [{ window: WINDOW }] });
  expect(r.status).toBe('completed');
};
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
const masked = async (table: string) =>
  (await h.sql(`select * from govflow.${table} order by source, event_id`)).map(({ key_id: _k, workflow_id: _w, masked_at: _m, ...row }) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, iso(v)])),
  );

/** What the row-by-row reference makes of the window's raw rows (everyone's data key present, as the run creates them). */
async function reference(seen: SeenCounts) {
  const policy = h.config.policy.policy.masking;
  const keys: MaskKeys = { pseudonymKey: h.env.pseudonymKey, dataKey: () => Buffer.alloc(32, 7), onToken: () => {} };
  const o = { anonymous: h.config.policy.policy.access.anonymousPrincipals, routes: compileRoutes(policy.routes), seen };
  const withdrawn = `not exists (select 1 from govflow.consent_state cs where cs.subject_id = %s and cs.purpose = 'analytics' and not cs.granted)`;
  const events = (await h.sql(`select * from govflow.access_events e where ${withdrawn.replace('%s', 'e.subject_id')} order by source, event_id`)) as unknown as RawAccessEvent[];
  const trail = (await h.sql(`select * from govflow.audit_trail_events t where ${withdrawn.replace('%s', 't.actor')} order by source, event_id`)) as unknown as RawAuditTrailEvent[];
  return {
    events: events.map((e) => maskAccessEvent(e, policy, keys, o)),
    trail: trail.map((e) => maskAuditTrailEvent(e, policy, keys, o)),
  };
}

beforeAll(async () => {
  h = await startHarness({ configFile: fixture() });
  await runOnce('set-based');
});
afterAll(async () => {
  await h?.close();
});

describe('the set-based mask step', () => {
  it('writes exactly the rows the row-by-row masking makes of the same raw rows', async () => {
    const ref = await reference(new Map());
    const events = await masked('masked_events');
    const trail = await masked('masked_audit_trail');
    expect(events.length).toBe(SUBJECTS.length * PRINCIPALS.length * 9 - PRINCIPALS.length * 9); // kit.withdrawn is left out
    expect(events).toEqual(ref.events);
    expect(trail).toEqual(ref.trail);
    // The traffic does make values depend on their rows: the same path masks differently per subject.
    const forms = new Set(events.filter((e) => String(e.resource).endsWith('/preferences')).map((e) => e.resource));
    expect(forms.size).toBeGreaterThan(3);
    expect(events.some((e) => String(e.resource).includes('tok_'))).toBe(true);
  });

  it('counts in the sensitivity inventory what the reference counts', async () => {
    const seen: SeenCounts = new Map();
    await reference(seen);
    const rows = await h.sql('select source, field, kind, seen, handled from govflow.sensitivity_inventory order by 1, 2, 3');
    const want = [...seen].map(([k, s]) => {
      const [source, field, kind] = k.split('\t');
      return { source, field, kind, seen: s.count, handled: s.count };
    }).sort((a, b) => `${a.source}\t${a.field}\t${a.kind}`.localeCompare(`${b.source}\t${b.field}\t${b.kind}`));
    expect(rows.length).toBeGreaterThan(2);
    expect(rows).toEqual(want);
  });

  it('rewrites the same rows when run again', async () => {
    const before = { events: await masked('masked_events'), trail: await masked('masked_audit_trail') };
    await runOnce('set-based-again');
    expect(await masked('masked_events')).toEqual(before.events);
    expect(await masked('masked_audit_trail')).toEqual(before.trail);
  });

  it('writes the same rows and counts when the window is masked in shards on several connections', async () => {
    const inventory = () => h.sql('select source, field, kind, seen, handled, first_seen, last_seen from govflow.sensitivity_inventory order by 1, 2, 3');
    const before = { events: await masked('masked_events'), trail: await masked('masked_audit_trail'), inventory: await inventory() };
    const { mask } = tableMasker({ pool: h.pool, db: h.db, config: h.config, env: { ...h.env, maskParallelism: 3 } });
    const phases = new Set<number>();
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: { shard?: number }) => d.shard !== undefined && phases.add(d.shard));
    const result = (await env.run(mask, { workflowId: 'set-based-shards', runId: 'r', window: WINDOW })) as TaskResult;
    expect([...phases].sort()).toEqual([0, 1, 2]);
    expect(result.counts.maskedEvents).toBe(before.events.length);
    expect(await masked('masked_events')).toEqual(before.events);
    expect(await masked('masked_audit_trail')).toEqual(before.trail);
    expect(await inventory()).toEqual(before.inventory);
  });

  it('writes the same rows and counts when distinct values are masked on worker threads', async () => {
    const inventory = () => h.sql('select source, field, kind, seen, handled, first_seen, last_seen from govflow.sensitivity_inventory order by 1, 2, 3');
    const before = { events: await masked('masked_events'), trail: await masked('masked_audit_trail'), inventory: await inventory() };
    // Two threads, used from the first page (a step over a small window would use none).
    const { mask } = tableMasker({ pool: h.pool, db: h.db, config: h.config, env: { ...h.env, maskThreads: 2, maskThreadsFrom: 1 } });
    const threads = new Map<string, number>();
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: { step?: string; threads?: number }) => d.threads !== undefined && threads.set(d.step!, Math.max(threads.get(d.step!) ?? 0, d.threads)));
    const result = (await env.run(mask, { workflowId: 'set-based-threads', runId: 'r', window: WINDOW })) as TaskResult;
    expect(Object.fromEntries(threads)).toEqual({ values: 2, 'people-values': 2 });
    expect(result.counts.maskedEvents).toBe(before.events.length);
    expect(await masked('masked_events')).toEqual(before.events);
    expect(await masked('masked_audit_trail')).toEqual(before.trail);
    expect(await inventory()).toEqual(before.inventory);
  });

  it('writes a whole-day window into a fresh partition swapped in for the day, keeping rows it does not rewrite', async () => {
    const before = { events: await masked('masked_events'), trail: await masked('masked_audit_trail') };
    // A masked row whose raw event is gone (retention keeps the analytics copy longer): a re-run
    // of its day must leave it, as the row-by-row rewrite would.
    await h.sql(`insert into govflow.masked_events (source, event_id, occurred_hour, subject_key, action, outcome, key_id, workflow_id)
      values ('sb-access', 'kept-1', '2026-11-01T03:00:00Z', 'p_kept', 'read', 'success', 'k1', 'earlier')`);
    const oid = async () => (await h.sql(`select 'govflow.masked_events_20261101'::regclass::oid::text as oid`))[0]!.oid;
    const indexes = async () => (await h.sql(`select indexname from pg_indexes where schemaname = 'govflow' and tablename = 'masked_events_20261101' order by 1`)).map((r) => r.indexname);
    const first = await oid();
    const { mask } = tableMasker({ pool: h.pool, db: h.db, config: h.config, env: h.env });
    const day = { start: '2026-11-01T00:00:00.000Z', end: '2026-11-02T00:00:00.000Z' };
    for (const attempt of [1, 2]) {
      const result = (await new MockActivityEnvironment().run(mask, { workflowId: `set-based-day-${attempt}`, runId: 'r', window: day })) as TaskResult;
      expect(result.counts.maskedEvents).toBe(before.events.length);
      const events = await masked('masked_events');
      expect(events.filter((e) => e.event_id !== 'kept-1')).toEqual(before.events);
      expect(events.filter((e) => e.event_id === 'kept-1')).toHaveLength(1);
      expect(await masked('masked_audit_trail')).toEqual(before.trail);
      // A new table took the day's place (a delete-and-insert keeps the old one), with the names a
      // partition made by PostgreSQL has, so that the next swap finds them free.
      expect(await oid()).not.toBe(first);
      expect(await indexes()).toEqual(['masked_events_20261101_occurred_hour_idx', 'masked_events_20261101_pkey', 'masked_events_20261101_subject_key_idx']);
    }
    expect(await h.sql('select count(*)::int as n from govflow.masked_events_default')).toEqual([{ n: 0 }]);
    // The day's table was made by CREATE TABLE … AS: it carries the NOT NULLs, defaults and
    // collations of masked_events itself (a row inserted straight into the day gets masked_at).
    const shape = (table: string) => h.sql(`select a.attname, a.attnotnull, a.atttypid::regtype::text as type, a.attcollation::regcollation::text as collation,
        pg_get_expr(d.adbin, d.adrelid) as default_sql
      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = '${table}'::regclass and a.attnum > 0 and not a.attisdropped order by a.attname`);
    expect(await shape('govflow.masked_events_20261101')).toEqual(await shape('govflow.masked_events'));
    // The step's working tables (masking/work-tables.ts) lived only in its transaction.
    expect(await h.sql(`select count(*)::int as n from pg_tables where schemaname = 'govflow_work'`)).toEqual([{ n: 0 }]);
    await h.sql(`delete from govflow.masked_events where event_id = 'kept-1'`);
  });

  it('counts a window that starts where an earlier one did (a day, then its first hours) in an inventory of its own', async () => {
    const before = await masked('masked_events');
    const { mask } = tableMasker({ pool: h.pool, db: h.db, config: h.config, env: h.env });
    const windows = [
      { start: '2026-11-01T00:00:00.000Z', end: '2026-11-02T00:00:00.000Z' },
      { start: '2026-11-01T00:00:00.000Z', end: '2026-11-01T11:00:00.000Z' },
    ];
    for (const window of windows) await new MockActivityEnvironment().run(mask, { workflowId: `set-based-${window.end}`, runId: 'r', window });
    const kinds = await h.sql(`select window_end, count(*)::int as n from govflow.sensitivity_inventory where window_start = '2026-11-01T00:00:00Z' group by 1 order by 1`);
    expect(kinds.map((r) => iso(r.window_end))).toEqual(['2026-11-01T11:00:00.000Z', '2026-11-02T00:00:00.000Z']);
    expect(kinds[0]!.n).toBe(kinds[1]!.n);
    expect(await masked('masked_events')).toEqual(before);
  });

  it('masks a 3 KB URL and a 3 KB subject id (longer than a B-tree entry may be)', async () => {
    const long = { start: '2026-11-03T10:00:00.000Z', end: '2026-11-03T11:00:00.000Z' };
    // Random, so that PostgreSQL cannot compress them under its limit.
    const url = `/search?utm=${randomBytes(1600).toString('hex')}`;
    const subject = `user-${randomBytes(1500).toString('hex')}`;
    await h.sql(`select govflow.ensure_access_partition('2026-11-03'::date)`);
    await h.sql(`insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, resource, outcome)
      values ('sb-access', 'long-1', '2026-11-03T10:05:00Z', 'svc-recommender', $1, 'read', $2, 'success')`, [subject, url]);
    const { mask } = tableMasker({ pool: h.pool, db: h.db, config: h.config, env: h.env });
    const result = (await new MockActivityEnvironment().run(mask, { workflowId: 'set-based-long', runId: 'r', window: long })) as TaskResult;
    expect(result.counts.maskedEvents).toBe(1);
    const [row] = await h.sql(`select resource, subject_key from govflow.masked_events where event_id = 'long-1'`);
    expect(String(row!.subject_key)).toBe(pseudonym(subject, h.env.pseudonymKey));
    expect(String(row!.resource)).not.toContain(url.slice(12, 40));
  });

  it('shows the planted kinds in the sensitivity inventory of the compliance report, without a value', async () => {
    const [report] = await h.sql(`select text, html from govflow.reports where kind = 'compliance-report' and window_start = $1::timestamptz`, [WINDOW.start]);
    const text = String(report!.text);
    const section = text.slice(text.indexOf('Sensitivity inventory'), text.indexOf('Quarantined input'));
    expect(section).toMatch(/sb-access resource: user\.contact\.email \(EMAIL_ADDRESS\) seen \d+, .* handled by masking: yes/);
    expect(section).toMatch(/sb-access resource: user\.financial\.credit_card \(CREDIT_CARD\) seen \d+, .* handled by masking: yes/);
    expect(section).toMatch(/sb-audit target: user\.contact\.email \(EMAIL_ADDRESS\) seen \d+/);
    // Every kind the mask step counted is listed, with its count.
    for (const r of await h.sql('select source, field, kind, seen from govflow.sensitivity_inventory')) {
      expect(section).toContain(`${r.source} ${r.field}: `);
      expect(section).toMatch(new RegExp(`${r.source} ${r.field}: [a-z_.]+ \\(${r.kind}\\) seen ${Number(r.seen).toLocaleString('en-US')},`));
    }
    expect(String(report!.html)).toContain('id="inventory"');
    for (const planted of ['zq.private', 'orion.blackwood@', '5555341244441115', '12 34 56 78', 'bob@example.com']) {
      expect(text.toLowerCase()).not.toContain(planted);
      expect(String(report!.html).toLowerCase()).not.toContain(planted);
    }
  });

  it('computes govflow.pseudonym() in Postgres exactly as lib/pseudonym.ts does', async () => {
    for (const v of ['user-1001', 'jöran.åberg@exämple.se', 'Orion Blackwood', '', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', "o'brien\\x"]) {
      const [row] = await h.sql('select govflow.pseudonym($1, $2) as p', [v, h.env.pseudonymKey]);
      expect(row!.p).toBe(pseudonym(v, h.env.pseudonymKey));
    }
  });
});
