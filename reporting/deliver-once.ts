import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { activityContext, keepAlive } from '../temporal/heartbeat';
import { isPermanentPostgresError } from '../temporal/step-errors';

// Exactly one delivery per key across activity retries, worker restarts, replays and database
// restarts.
//
// The delivery record is inserted and locked in a transaction that stays open while the message
// is handed to the SMTP server (or the webhook answers), and is committed as 'sent' only after.
// A second attempt blocks on the lock while the first is in flight, then sees 'sent' and does
// nothing. If the send fails, the transaction rolls back and the next attempt sends.
//
// Once the send has succeeded, nothing may make the step fail: a failed step is retried, and the
// retry would send again. So when marking 'sent' or the commit fails because the database went away
// (a PostgreSQL restart, a failover, a dropped connection: npm run chaos, RELIABILITY.md finding 2),
// the record is upserted as 'sent' on a fresh connection, again and again with backoff, for up to
// MARK_SENT_FOR_MS (never past the activity's own start-to-close timeout, after which Temporal
// would retry it), while the step keeps heartbeating (keepAlive, activities/index.ts), and the
// outcome is 'sent' whatever happens. The lock is gone with the dead connection meanwhile, but no
// second attempt runs: the first is alive and heartbeating.
//
// What remains:
// - the worker dying (SIGKILL, OOM, a lost node) between the server's "250 OK" (or the webhook's
//   2xx) and the commit: the transaction rolls back and the retried step sends again. The window is
//   one UPDATE and a COMMIT, milliseconds; the copy carries the same Message-ID, which mail systems
//   use to fold duplicates (a webhook has no such id: its receiver sees two posts).
// - the database staying away for longer than the retries: the step still says 'sent' and nothing
//   is sent again in this run, but the record is lost, so a later run of the same workflow id
//   (govflow replay) would send the same Message-ID again.
// - a lost "250": the connection to the SMTP server breaking after it took the message but before
//   its answer reached us. That is SMTP's own duplicate window (RFC 5321 §6.1), not ours.

export interface Delivery {
  key: string;
  channel: 'email' | 'webhook';
  /** What is being delivered, e.g. report:compliance-report or alert:escalation. */
  purpose: string;
  /** The workflow or alert it belongs to, for `govflow alerts list` and audits. */
  reference: string;
  recipients: string[];
}

export type DeliveryOutcome = 'sent' | 'already-sent';

/** How long, in ms, a delivery that went out keeps trying to record that it did. */
export const MARK_SENT_FOR_MS = 5 * 60_000;
/** Margin, in ms, kept before the activity's start-to-close timeout. */
const TIMEOUT_MARGIN_MS = 10_000;

/**
 * Sends once per `d.key`. `send` gets the transaction, so reads it needs (an attachment's rows)
 * use no second connection; it returns the receiver's answer (stored, first 500 characters).
 * Throws what `send` or the database throws before the message went out (the caller's retry then
 * sends); never throws once `send` has returned.
 */
export async function deliverOnce(db: Db, d: Delivery, send: (trx: Db) => Promise<string>): Promise<DeliveryOutcome> {
  let response: string | undefined;
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`
        insert into govflow.deliveries (delivery_key, channel, purpose, reference, recipients, status)
        values (${d.key}, ${d.channel}, ${d.purpose}, ${d.reference}, ${d.recipients}::text[], 'sending')
        on conflict (delivery_key) do nothing`.execute(trx);
      const { rows } = await sql<{ status: string }>`
        select status from govflow.deliveries where delivery_key = ${d.key} for update`.execute(trx);
      if (rows[0]?.status === 'sent') return 'already-sent';
      response = (await send(trx)).slice(0, 500);
      await markSent(trx, d, response);
      return 'sent';
    });
  } catch (err) {
    if (response === undefined) throw err;
    // It went out: record it on a fresh connection, however long the database takes to come back.
    await markSentPersistently(db, d, response);
    return 'sent';
  }
}

/** Upserts the record as sent: the first attempt's insert may have rolled back with its transaction. */
async function markSent(db: Db, d: Delivery, response: string): Promise<void> {
  await sql`
    insert into govflow.deliveries (delivery_key, channel, purpose, reference, recipients, status, sent_at, response)
    values (${d.key}, ${d.channel}, ${d.purpose}, ${d.reference}, ${d.recipients}::text[], 'sent', now(), ${response})
    on conflict (delivery_key) do update set status = 'sent', sent_at = coalesce(govflow.deliveries.sent_at, now()), response = excluded.response`.execute(db);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Retries markSent (each try on whichever connection the pool gives: the dead one was dropped)
 * from 250 ms doubling to 5 s, heartbeating meanwhile, until it succeeds, the time is up or the
 * database answers with an error that no retry cures (a constraint, a missing table). Never
 * throws: the message is out, and an error here would only make the step send it again. Resolves
 * to whether the record says 'sent'.
 */
function markSentPersistently(db: Db, d: Delivery, response: string): Promise<boolean> {
  const ctx = activityContext();
  const info = ctx?.info;
  const activityDeadline = info?.startToCloseTimeoutMs
    ? info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs - TIMEOUT_MARGIN_MS
    : Infinity;
  const deadline = Math.min(Date.now() + MARK_SENT_FOR_MS, activityDeadline);
  return keepAlive(async () => {
    for (let wait = 250, tries = 1; ; wait = Math.min(wait * 2, 5_000), tries++) {
      try {
        await markSent(db, d, response);
        return true;
      } catch (err) {
        if (isPermanentPostgresError(err) || Date.now() + wait > deadline) {
          // Ids only: the key is a Message-ID made of the run's or alert's id.
          ctx?.log.warn('delivered, but could not record it: a later run of the same id would send it again', {
            deliveryKey: d.key, tries, error: (err as Error).message,
          });
          return false;
        }
        await sleep(wait);
      }
    }
  });
}
