import { sql, type Kysely } from 'kysely';

// Late rows by arrival. lateWindows (ingest/late-windows.ts) counts, for each window governed in
// the last lateDataLookback, the raw rows that arrived after it was governed: `ingested_at >
// governed_at` within the window. With only the occurred_at index that read the window's whole
// day — 1.0 s per earlier 1M-event day, 0.2 s for the consent ledger, seven days' worth in a
// daily schedule's steady state — to find the few late rows or none. Raw rows are appended and
// never updated, so ingested_at follows the heap's order and a BRIN index over it (tens of kB,
// next to nothing for ingest to maintain) points at the pages written since: the same query then
// took under 1 ms (bench/README.md). autosummarize: pages COPY adds are summarized by autovacuum
// as ranges fill, rather than at the next VACUUM (an unsummarized range is read, never skipped).

const TABLES = ['access_events', 'audit_trail_events', 'consent_events'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const t of TABLES) {
    await sql`create index ${sql.raw(`${t}_ingested`)} on ${sql.table(`govflow.${t}`)} using brin (ingested_at) with (autosummarize = on)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of TABLES) await sql`drop index if exists ${sql.table(`govflow.${t}_ingested`)}`.execute(db);
}
