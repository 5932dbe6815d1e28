import { sql } from 'kysely';
import { createDb, createPool } from '../db/pool';
import { loadConfig, loadEnv } from '../config/config';
import { policyTables } from '../audit/policy-tables';
import { AUDIT_RULES } from '../audit/rules';
import { withPlanner } from '../db/planner';

// EXPLAIN ANALYZE of every audit rule over a window of a database that holds data (one kept by
// `npm run bench:dag -- --keep-db`, say): which scans each rule makes and what it costs.
//   node --import tsx bench/explain-audit.ts <databaseUrl> <from ISO> <to ISO> [govflow.yaml]

const [url, start, end, configFile] = process.argv.slice(2);
if (!url || !start || !end) throw new Error('usage: bench/explain-audit.ts <databaseUrl> <from ISO> <to ISO> [govflow.yaml]');
const pool = createPool(url, 2);
const db = createDb(pool);
const policy = loadConfig(configFile ?? 'govflow.yaml').policy.policy;
const ctx = { window: { start, end }, key: loadEnv().pseudonymKey, policy, tables: policyTables(policy) };
try {
  for (const rule of AUDIT_RULES) {
    const explain = sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off, timing off, summary on) ${rule.select(ctx)}`;
    // Under the settings the runner pins for the rule (audit/run-rules.ts).
    const { rows } = await withPlanner(db, rule.planner ?? {}, (trx) => explain.execute(trx));
    const plan = rows.map((r) => r['QUERY PLAN']);
    const scans = [...new Set(plan.flatMap((l) => /((?:Parallel )?(?:Seq Scan|Index Only Scan using \S+|Index Scan using \S+|Bitmap Index Scan|Bitmap Heap Scan)) on (\S+)/.exec(l)?.slice(1, 3).join(' on ') ?? []))];
    const time = plan.find((l) => l.includes('Execution Time'))?.trim();
    console.log(`${rule.id.padEnd(26)} ${time}\n    ${scans.join('; ')}`);
  }
} finally {
  await db.destroy();
}
