import { sql } from 'kysely';
import type { Db } from '../../db/pool';

// The erasure queue as the data-subject-requests workflow sees it. Two producers fill it: the
// consent step (govflow.erasure_requests, one row per withdrawal of a purpose that needs consent)
// and `govflow erase` (govflow.subject_erasures, the whole person). Each consent-step row becomes
// a subject_erasures row of its own (origin 'consent', limited to its purpose) so that every
// request, whatever its origin, is carried out by the same eraseSubject workflow and answered by a
// receipt in govflow.erasure_receipts. Raw identifiers move from table to table inside Postgres only.

/** Rows taken from the consent step's queue per statement batch. */
const CLAIM_BATCH = 500;

export interface ErasureQueueState {
  /** subject_erasures ids still pending, the earliest due first. */
  pending: number[];
  /** How many consent-step requests were turned into erasure requests by this call. */
  claimed: number;
  /** Pending requests already past their due date. */
  overdue: number;
}

/**
 * Links every unclaimed consent-step request to a new purpose-limited erasure request due
 * `withinSeconds` after the withdrawal, gives command requests without a due date theirs, and
 * returns the pending requests (at most `limit`), earliest due first. Idempotent: a request is
 * claimed once (erasure_requests.subject_erasure_id), whatever retries happen.
 */
export async function claimErasureQueue(db: Db, pseudonymKey: string, withinSeconds: number, limit: number): Promise<ErasureQueueState> {
  let claimed = 0;
  for (;;) {
    const n = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        select id from govflow.erasure_requests
        where subject_erasure_id is null and status = 'pending'
        order by requested_at, id limit ${CLAIM_BATCH} for update skip locked`.execute(tx);
      for (const { id } of rows) {
        await sql`
          with created as (
            insert into govflow.subject_erasures (subject_ref, subject_id, requested_by, requested_at, origin, purpose, due_at)
            select govflow.pseudonym(r.subject_id, ${pseudonymKey}), r.subject_id, 'consent step: ' || r.reason, r.requested_at,
                   'consent', r.purpose, r.requested_at + make_interval(secs => ${withinSeconds})
            from govflow.erasure_requests r where r.id = ${id}
            returning id)
          update govflow.erasure_requests set subject_erasure_id = (select id from created), status = 'in_progress'
          where id = ${id}`.execute(tx);
      }
      return rows.length;
    });
    claimed += n;
    if (n < CLAIM_BATCH) break;
  }
  await sql`
    update govflow.subject_erasures set due_at = requested_at + make_interval(secs => ${withinSeconds})
    where due_at is null and status = 'pending'`.execute(db);
  const { rows } = await sql<{ id: string }>`
    select id from govflow.subject_erasures where status = 'pending' order by due_at, id limit ${limit}`.execute(db);
  const { rows: late } = await sql<{ n: number }>`
    select count(*)::int as n from govflow.subject_erasures where status = 'pending' and due_at < now()`.execute(db);
  return { pending: rows.map((r) => Number(r.id)), claimed, overdue: late[0]?.n ?? 0 };
}
