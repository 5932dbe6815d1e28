import { sql, type Kysely } from 'kysely';

// govflow_work: the schema of the mask step's working tables (masking/work-tables.ts), unlogged
// tables that live only inside one step's transaction. Their own schema keeps them out of
// everything that lists govflow's tables (export, retention, erasure, the Kysely types).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create schema if not exists govflow_work`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop schema if exists govflow_work cascade`.execute(db);
}
