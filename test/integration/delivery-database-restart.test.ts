import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase } from '../support/harness';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { createDb, createPool, type Db } from '../../db/pool';
import { startMailCatcher, type MailCatcher } from '../../cli/mail-catcher';
import { createMailer } from '../../reporting/email/mailer';
import { deliverOnce, type Delivery, type DeliveryOutcome } from '../../reporting/deliver-once';

// RELIABILITY.md finding 2, in short: the database goes away after the SMTP server accepted the
// message ("250") and before the delivery is recorded as sent. Retried as Temporal retries a failed
// step, the delivery must not send a second copy, and its record must end up 'sent'. Real SMTP (an
// smtp-server on loopback), real Postgres: its backend terminated (what a restart does to each
// connection), or a whole outage (connections reset, new ones refused) through a TCP proxy.

let mail: MailCatcher;
let url: string;
let admin: pg.Client;
let proxy: TcpProxy;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  mail = await startMailCatcher();
  url = await cloneTestDatabase();
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const target = new URL(url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin?.end();
  await proxy?.close();
  await mail?.close();
});

function database(connectionString: string): Db {
  const pool = createPool(connectionString, 4);
  pools.push(pool);
  return createDb(pool);
}

const mailer = () => createMailer(mail.url);

/** A delivery whose send, the first time only, does `fault` right after the SMTP server's 250. */
function delivery(db: Db, fault: (backendPid: number) => Promise<void>) {
  const key = `<db-restart-${Date.now()}-${Math.random().toString(36).slice(2)}@govflow.test>`;
  const d: Delivery = { key, channel: 'email', purpose: 'report:test', reference: 'db-restart-test', recipients: ['dpo@streaming.example'] };
  const smtp = mailer();
  let faults = 0;
  const attempt = () =>
    deliverOnce(db, d, async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      const info = await smtp.sendMail({ from: 'reports@govflow.test', to: d.recipients, subject: 'restart', text: 'once', messageId: key });
      if (faults++ === 0) await fault(rows[0]!.pid);
      return String(info.response ?? '');
    });
  /** Up to three attempts, each after the last one failed: a step's retry policy in short. */
  const step = async () => {
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        return { outcome: await attempt(), errors };
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return { outcome: undefined as DeliveryOutcome | undefined, errors };
  };
  const copies = () => mail.messages.filter((m) => m.raw.toString('utf8').includes(key)).length;
  const record = async () => (await admin.query('select status, response from govflow.deliveries where delivery_key = $1', [key])).rows[0];
  return { step, attempt, copies, record, faults: () => faults };
}

describe('a delivery whose database goes away right after the SMTP server accepted the message', () => {
  it('sends one e-mail and records it when its connection is terminated', async () => {
    const d = delivery(database(url), async (pid) => {
      // Waits (up to 5 s) until the backend is gone, so the UPDATE that follows meets a dead connection.
      const { rows } = await admin.query('select pg_terminate_backend($1, 5000) as ok', [pid]);
      expect(rows[0].ok).toBe(true);
    });
    const { outcome, errors } = await d.step();
    expect(d.faults()).toBeGreaterThanOrEqual(1);
    expect(d.copies()).toBe(1);
    expect(errors).toEqual([]);
    expect(outcome).toBe('sent');
    expect(await d.record()).toMatchObject({ status: 'sent', response: expect.stringMatching(/^250/) });
    // A later attempt (a replay, a retry after the worker lost Temporal's answer) sends nothing.
    expect(await d.attempt()).toBe('already-sent');
    expect(d.copies()).toBe(1);
  });

  it('waits out a 3-second outage (connections reset, then refused) and sends one e-mail', async () => {
    const db = database(`postgres://${new URL(url).username}@127.0.0.1:${proxy.port}${new URL(url).pathname}`);
    let outageMs = 0;
    const d = delivery(db, async () => {
      const t = Date.now();
      // Not awaited: the delivery meets the outage while it is still on, and must wait it out.
      void proxy.outage(3000).then(() => (outageMs = Date.now() - t));
      await new Promise((r) => setTimeout(r, 50));
    });
    const started = Date.now();
    const { outcome, errors } = await d.step();
    expect(d.copies()).toBe(1);
    expect(errors).toEqual([]);
    expect(outcome).toBe('sent');
    expect(outageMs).toBeGreaterThanOrEqual(3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await d.record()).toMatchObject({ status: 'sent' });
    expect(await d.attempt()).toBe('already-sent');
    expect(d.copies()).toBe(1);
  });
});
