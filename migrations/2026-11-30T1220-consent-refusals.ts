import { sql, type Kysely } from 'kysely';

// A consent violation's reason distinguishes a refusal from a withdrawal: processing after a
// refusal of something never granted (a GPC header, a TCF string without the purpose, an explicit
// "no" at the first prompt) is 'refused', after a grant that was taken back 'withdrawn', and with
// no word at all 'never_granted' — as consent_withdrawals.kind already does for the signals.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table govflow.consent_violations drop constraint consent_violations_reason_check`.execute(db);
  await sql`alter table govflow.consent_violations add constraint consent_violations_reason_check
    check (reason in ('never_granted', 'refused', 'withdrawn'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update govflow.consent_violations set reason = 'withdrawn' where reason = 'refused'`.execute(db);
  await sql`alter table govflow.consent_violations drop constraint consent_violations_reason_check`.execute(db);
  await sql`alter table govflow.consent_violations add constraint consent_violations_reason_check
    check (reason in ('never_granted', 'withdrawn'))`.execute(db);
}
