import type pg from 'pg';

// The mask step's working tables (masking/mask-window.ts): the window's distinct values and what
// masking them gave, its people and their keys, the rows asking for their people. They live only
// inside the step's transaction, as temporary tables would, but are UNLOGGED tables in the schema
// govflow_work (migration 2026-11-30T2000-mask-work-schema): PostgreSQL never reads a temporary
// table in parallel (its pages are in one backend's local buffers), and the step's three joins of
// a million raw rows with these tables are what parallel workers speed up (the write of
// bench:dag's day: 6.7 s serial, 4.2 s with two workers on this 2-core machine; bench/README.md).
// Unlogged: no WAL, and nothing to keep after a crash, as nothing outlives the transaction.
//
// Created in the step's transaction, they vanish with it on a rollback (a failed or cancelled
// step, a lost connection); dropWorkTables removes them before the commit. Names carry the
// backend's pid, so steps on other connections (shards, regions, other windows) never meet.

/** Qualified names of one step's working tables. */
export interface WorkTables {
  /** Distinct (field, value) masked without people: masked form, what was asked, what was found. */
  text: string;
  /** (field, value, source) groups of the window's rows, with counts and first/last times. */
  groups: string;
  /** The window's distinct people. */
  personIds: string;
  /** People's keys (pseudonyms or tokens) and the words of their identifiers. */
  people: string;
  /** (field, value, people, source) groups of the rows whose people the masking asked about. */
  rowGroups: string;
  /** (field, value, people) masked again with those people. */
  textPeople: string;
}

/** The names of this connection's working tables (none exist yet; leftovers of an aborted step are gone with its transaction). */
export async function workTables(client: pg.PoolClient): Promise<WorkTables> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const name = (kind: string) => `govflow_work.mask_${kind}_${rows[0]!.pid}`;
  return {
    text: name('text'),
    groups: name('groups'),
    personIds: name('person_ids'),
    people: name('people'),
    rowGroups: name('row_groups'),
    textPeople: name('text_people'),
  };
}

/** Drops the working tables, in the step's transaction, right before its commit. */
export async function dropWorkTables(client: pg.PoolClient, w: WorkTables): Promise<void> {
  await client.query(`drop table if exists ${Object.values(w).join(', ')}`);
}
