import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { isRacedCreate } from '../db/day-partitions';


/**
 * Creates the daily partitions of access_events before rows for those days arrive, each in its own
 * short statement (never inside a load transaction, which would hold the parent's lock), once.
 */
export class PartitionKeeper {
  private readonly made = new Set<string>();

  constructor(private readonly db: Db) {}

  async ensure(days: Iterable<string>): Promise<void> {
    for (const day of days) {
      if (this.made.has(day)) continue;
      try {
        await sql`select govflow.ensure_access_partition(${day}::date)`.execute(this.db);
      } catch (err) {
        // Units of one run load in parallel (often on several workers): another may have created
        // the day's partition between the function's check and its create. Then it exists.
        if (!isRacedCreate(err)) throw err;
      }
      this.made.add(day);
    }
  }
}
