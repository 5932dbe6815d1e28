import { sql, type Kysely } from 'kysely';

// A cancelled run (Temporal's RequestCancelWorkflowExecution: `temporal workflow cancel`, the UI's
// Cancel) ends `cancelled` in the ledger, not `failed`: nothing broke, someone stopped it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.runs drop constraint runs_status_check`.execute(db);
  await sql`alter table govflow.runs add constraint runs_status_check check (status in ('running', 'completed', 'failed', 'cancelled'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update govflow.runs set status = 'failed' where status = 'cancelled'`.execute(db);
  await sql`alter table govflow.runs drop constraint runs_status_check`.execute(db);
  await sql`alter table govflow.runs add constraint runs_status_check check (status in ('running', 'completed', 'failed'))`.execute(db);
}
