import { sql, type Kysely } from 'kysely';

// masked_events.subject_key is looked up only by equality (a withdrawal's or an erasure's people:
// `subject_key = any(...)`, masking/mask-tables.ts, lifecycle/erasure/), never by range or order.
// A B-tree over pseudonyms, which arrive in random order, was a quarter of the mask step's write
// at a million rows (bench/README.md): every insert lands on a random leaf page. A hash index
// answers the same equalities (and `= any(...)` through a bitmap scan) with a cheaper insert.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index govflow.masked_events_subject`.execute(db);
  await sql`create index masked_events_subject on govflow.masked_events using hash (subject_key)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index govflow.masked_events_subject`.execute(db);
  await sql`create index masked_events_subject on govflow.masked_events (subject_key)`.execute(db);
}
