import { sql, type Kysely } from 'kysely';

// A window's sensitivity inventory is keyed by the whole window, not its start alone. The mask step
// replaces a window's rows by (window_start, window_end) (masking/mask-tables.ts), so with the
// start alone in the key, an hour that starts at midnight could not be counted once its day had
// been (duplicate key on the day's rows). Found by a new user's runs of a day, then of its first hour.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.sensitivity_inventory drop constraint sensitivity_inventory_pkey`.execute(db);
  await sql`alter table govflow.sensitivity_inventory add primary key (source, field, kind, window_start, window_end)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Of windows that share a start, the one that ends last stays (as the key allowed one).
  await sql`delete from govflow.sensitivity_inventory i using govflow.sensitivity_inventory j
    where j.source = i.source and j.field = i.field and j.kind = i.kind and j.window_start = i.window_start and j.window_end > i.window_end`.execute(db);
  await sql`alter table govflow.sensitivity_inventory drop constraint sensitivity_inventory_pkey`.execute(db);
  await sql`alter table govflow.sensitivity_inventory add primary key (source, field, kind, window_start)`.execute(db);
}
