import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema';

// Planner settings for one query. A day partition's statistics are its own (ingest and the mask
// step ANALYZE the day they fill): the partitioned parents have none, so joins and GROUP BYs over
// them are estimated with defaults — 200 groups for any column, a join of two 1M-row days as 10M
// rows — and the planner then picks a million index probes over a hash join, a sort over a hash
// aggregate, or JIT-compiles a query that reads nothing. Where a query's best plan does not
// depend on the data (a count over one window), it says so here instead of hoping for estimates.

/**
 * Settings a query may pin: values as for SET (e.g. `{ jit: 'off', enable_nestloop: 'off' }`);
 * `work_mem` as SET takes it ('64MB').
 */
export type PlannerSettings = Partial<Record<'jit' | 'enable_nestloop' | 'enable_mergejoin' | 'enable_sort', 'on' | 'off'>> & { work_mem?: `${number}MB` };

/**
 * Runs `query` in a transaction of its own (one connection of the pool) with `settings` in force:
 * set_config(…, is_local = true), so they end with the transaction and never leak into the pool.
 */
export async function withPlanner<T>(db: Kysely<DB>, settings: PlannerSettings, query: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const set = Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`);
    if (set.length) await sql`select ${sql.join(set)}`.execute(trx);
    return query(trx);
  });
}
