import { sql } from 'kysely';
import type { Db } from '../db/pool';

// Exactly one delivery per key across activity retries, worker restarts and replays.
//
// The delivery record is inserted and locked in a transaction that stays open while the message
// is handed to the SMTP server (or the webhook answers), and is committed as 'sent' only after.
// A second attempt blocks on the lock while the first is in flight, then sees 'sent' and does
// nothing. If the worker dies mid-send the transaction rolls back and the next attempt sends
// again: the one window for a duplicate is a crash between the server's "250 OK" and our commit,
// and then the copy carries the same Message-ID, which mail systems use to fold duplicates.

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

/** `send` gets the transaction, so reads it needs (an attachment's rows) use no second connection. */
export async function deliverOnce(db: Db, d: Delivery, send: (trx: Db) => Promise<string>): Promise<DeliveryOutcome> {
  return db.transaction().execute(async (trx) => {
    await sql`
      insert into govflow.deliveries (delivery_key, channel, purpose, reference, recipients, status)
      values (${d.key}, ${d.channel}, ${d.purpose}, ${d.reference}, ${d.recipients}::text[], 'sending')
      on conflict (delivery_key) do nothing`.execute(trx);
    const { rows } = await sql<{ status: string }>`
      select status from govflow.deliveries where delivery_key = ${d.key} for update`.execute(trx);
    if (rows[0]?.status === 'sent') return 'already-sent';
    const response = await send(trx);
    await sql`
      update govflow.deliveries set status = 'sent', sent_at = now(), response = ${response.slice(0, 500)}
      where delivery_key = ${d.key}`.execute(trx);
    return 'sent';
  });
}
