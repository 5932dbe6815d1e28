// Benchmark: the audit rules and the consent step over one hour of synthetic platform traffic.
//
//   npx tsx bench/audit-consent.ts [events=200000]
//
// Builds a scratch database (govflow_bench_audit), fills one hour with `events` access events
// (generate_series, under the scenario policy of test/support/scenario.ts: known principals, EU and US
// subjects, consent for most of them), a tenth as many audit-trail entries with failed-login
// bursts, then times every audit rule and the consent step. Prints one line per rule, then runs
// the audit step itself (findings written, then grouped into incidents, audit/incidents.ts) and
// prints both counts: incidents grow with distinct actors and hours, findings with events.

import { sql } from 'kysely';
import { createDb, createPool, ensureDatabase } from '../db/pool';
import { migrateToLatest } from '../db/migrate';
import { loadEnv } from '../config/config';
import { policySchema } from '../policy/policy';
import { policyTables } from '../audit/policy-tables';
import { SCENARIO_POLICY } from '../test/support/scenario';
import { AUDIT_RULES } from '../audit/rules';
import { withPlanner } from '../db/planner';
import { consentActivities } from '../activities/consent';
import { auditActivities } from '../activities/audit';

const events = Number(process.argv[2] ?? 200_000);
const url = new URL(loadEnv().databaseUrl);
url.pathname = '/govflow_bench_audit';
const window = { start: '2026-03-04T10:00:00.000Z', end: '2026-03-04T11:00:00.000Z' };

async function main() {
  await ensureDatabase(url.toString());
  const pool = createPool(url.toString(), 4);
  const db = createDb(pool);
  await migrateToLatest(db);
  await sql`truncate govflow.incidents, govflow.access_events, govflow.audit_trail_events, govflow.consent_events, govflow.audit_findings,
    govflow.consent_violations, govflow.consent_time_uncertain, govflow.consent_withdrawals, govflow.erasure_requests, govflow.consent_log, govflow.consent_state`.execute(db);
  await sql`select govflow.ensure_access_partition('2026-03-04'::date)`.execute(db);

  const t0 = Date.now();
  const subjects = Math.max(1000, Math.floor(events / 20));
  await sql`
    insert into govflow.access_events (source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose, outcome, source_ip, region)
    select 'bench', 'a' || i, ${window.start}::timestamptz + (i * 3600.0 / ${events}) * interval '1 second',
           (array['agent-1', 'svc-analytics', 'svc-fraud', 'svc-export', 'intruder-9'])[1 + i % 5],
           (case when i % 3 = 0 then 'us-' else 'eu-' end) || (i % ${subjects}),
           (array['read', 'read', 'read', 'export'])[1 + i % 4],
           '/api/v1/users/x/account' || case when i % 7 = 0 then '' else '?ticket=T' end,
           (array['user.account', 'user.behavior.media_consumption', 'user.device.ip_address'])[1 + i % 3],
           (array['service_delivery', 'analytics', 'security'])[1 + i % 3],
           case when i % 50 = 0 then 'denied' else 'success' end,
           '10.' || (i % 200) || '.0.' || (i % 250), (array['eu-west-1', 'eu-central-1', 'us-east-1'])[1 + i % 3]
    from generate_series(1, ${events}) i`.execute(db);
  await sql`
    insert into govflow.audit_trail_events (source, event_id, occurred_at, actor, action, target, outcome, source_ip)
    select 'bench', 't' || i, ${window.start}::timestamptz + (i * 3600.0 / ${events / 10}) * interval '1 second',
           (array['ops-admin', 'root', 'admin', 'mallory'])[1 + i % 4],
           (array['login', 'login', 'StopLogging', 'export.create'])[1 + i % 4], 'rows=' || i,
           case when i % 4 < 2 and i % 3 = 0 then 'failed' else 'success' end, '203.0.113.' || (i % 40)
    from generate_series(1, ${events / 10}) i`.execute(db);
  await sql`
    insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, occurred_at)
    select 'bench', 'c' || i, (case when i % 2 = 0 then 'us-' else 'eu-' end) || (i % ${subjects}), 'analytics',
           i % 10 <> 0, ${window.start}::timestamptz - interval '1 day' + (i % 7200) * interval '1 second'
    from generate_series(1, ${subjects * 2}) i`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`loaded ${events} access events, ${events / 10} audit-trail entries, ${subjects * 2} consent records in ${Date.now() - t0} ms`);

  const policy = policySchema.parse(SCENARIO_POLICY);
  const ctx = { window, key: 'bench-key-bench-key-bench-key-bench', policy, tables: policyTables(policy) };
  let total = 0;
  for (const rule of AUDIT_RULES) {
    const start = Date.now();
    // Under the settings the runner pins for the rule (audit/run-rules.ts).
    const { rows } = await withPlanner(db, rule.planner ?? {}, (trx) => sql<{ n: number }>`select count(*)::int as n from (${rule.select(ctx)}) f`.execute(trx));
    const ms = Date.now() - start;
    total += ms;
    console.log(`  ${rule.id.padEnd(24)} ${String(ms).padStart(6)} ms  ${rows[0]!.n} findings`);
  }
  console.log(`  ${'all audit rules'.padEnd(24)} ${String(total).padStart(6)} ms`);

  const consent = consentActivities({ pool, db, config: { policy: { policy } } as never, env: { ...loadEnv(), pseudonymKey: ctx.key } });
  const start = Date.now();
  const result = await consent.consent({ workflowId: 'bench', runId: 'bench', window });
  console.log(`  ${'consent step'.padEnd(24)} ${String(Date.now() - start).padStart(6)} ms  ${JSON.stringify(result.counts)}`);

  const audit = auditActivities({ pool, db, config: { policy: { policy } } as never, env: { ...loadEnv(), pseudonymKey: ctx.key } });
  const auditStart = Date.now();
  await audit.audit({ workflowId: 'bench', runId: 'bench', window });
  const auditMs = Date.now() - auditStart;
  const { rows: [n] } = await sql<{ findings: number; violations: number; incidents: number; linked: number }>`
    select (select count(*) from govflow.audit_findings)::int as findings, (select count(*) from govflow.consent_violations)::int as violations,
           (select count(*) from govflow.incidents)::int as incidents,
           (select count(*) from govflow.audit_findings where incident_id is not null)::int +
           (select count(*) from govflow.consent_violations where incident_id is not null)::int as linked`.execute(db);
  console.log(`  ${'audit step + incidents'.padEnd(24)} ${String(auditMs).padStart(6)} ms`);
  console.log(`events ${events}: findings ${n!.findings} + consent violations ${n!.violations} -> incidents ${n!.incidents} (bucket ${policy.audit.incidents.bucket}; ${n!.linked} linked)`);
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
