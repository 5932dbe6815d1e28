import { sql } from 'kysely';
import type { Db } from '../db/pool';

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
      await sql`select govflow.ensure_access_partition(${day}::date)`.execute(this.db);
      this.made.add(day);
    }
  }
}
