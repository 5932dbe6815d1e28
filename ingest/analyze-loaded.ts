import { sql } from 'kysely';
import pLimit from 'p-limit';
import type { Db } from '../db/pool';
import { accessDays } from '../db/day-partitions';
import type { Window } from '../workflow-safe/window';

// Fresh statistics for what ingest just loaded. A day partition filled by one bulk COPY has no
// statistics until autovacuum gets to it (minutes later, or never within the run): the planner
// then takes a day of a million rows for a few thousand and picks nested loops over it. Measured
// at 1M events (bench/README.md, "Audit at 1M"): the audit rules took 67 s before an ANALYZE of
// the day's partition and 33 s after. ANALYZE samples (30,000 rows at the default statistics
// target), so it costs seconds whatever the partition's size.

/** Rows loaded into a table by one run above which its statistics are refreshed before the steps read it. */
export const ANALYZE_AFTER_ROWS = 10_000;

/**
 * ANALYZEs run at once, each on a connection of its own. One ANALYZE is one backend on one core,
 * and a week of daily partitions took 1.8 s one after another (bench:ingest at 300k and at 1M
 * alike: ANALYZE samples): two at a time halve that on a 2-core server without taking more of
 * the pool than a unit's load does (one connection, plus one borrowed now and then).
 */
const ANALYZE_CONCURRENCY = 2;

/**
 * ANALYZEs what a run's ingest grew by ANALYZE_AFTER_ROWS rows or more: the window's partitions of
 * access_events, audit_trail_events, consent_events. `loaded` is rows read per kind.
 */
export async function analyzeLoaded(db: Db, w: Window, loaded: { access?: number; audit?: number; consent?: number }): Promise<string[]> {
  const tables: string[] = [];
  if ((loaded.access ?? 0) >= ANALYZE_AFTER_ROWS) tables.push(...(await accessDays(db, w)).map((day) => `govflow.access_events_${day.replaceAll('-', '')}`));
  if ((loaded.audit ?? 0) >= ANALYZE_AFTER_ROWS) tables.push('govflow.audit_trail_events');
  if ((loaded.consent ?? 0) >= ANALYZE_AFTER_ROWS) tables.push('govflow.consent_events');
  const limit = pLimit(ANALYZE_CONCURRENCY);
  await Promise.all(tables.map((t) => limit(() => sql`analyze ${sql.raw(t)}`.execute(db))));
  return tables;
}
