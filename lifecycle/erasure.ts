import { heartbeatOrStop } from '../temporal/heartbeat';
import { sql } from 'kysely';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../config/deps';
import type { Db } from '../db/pool';
import { erasePurposeData } from './erasure/purpose-erasure';
import type { DB } from '../db/schema';
import { classifyStepError } from '../temporal/step-errors';

// Erasure (right to be forgotten) of one person, named by an erasure request's id: the raw id is
// read from Postgres, never passed through Temporal. In one transaction it deletes the person's
// data key (crypto-shredding: their vault entries and encrypted fields become unreadable, in
// backups too), deletes the raw rows that hold their identifiers, clears the raw id from the
// request, adds a hash of the identifier to the suppression list (so a source file read again
// cannot bring the rows back) and writes a receipt. Pseudonymous aggregates (masked tables, findings, violations)
// are kept: without the key they name nobody. A completed request returns its receipt again.
// A request limited to one purpose (a consent withdrawal, queued by the consent step) erases only
// that purpose's data (lifecycle/erasure/purpose-erasure.ts). Every receipt carries its due date
// (requested + the policy's dataSubjectRequests.erasureWithin) and the policy's hash.

export interface ErasureInput {
  requestId: number;
}

export interface ErasureResult {
  requestId: number;
  subjectRef: string;
  keyShredded: boolean;
  deleted: Record<string, number>;
  alreadyCompleted: boolean;
  /**
   * 'no_data_held': govflow held nothing of this id (no raw row, no key or vault entry, no
   * consent record) and had never erased it: nothing was done, and the receipt says so. A
   * mistyped id must not read as a fulfilled request.
   */
  outcome: 'erased' | 'no_data_held';
}

/** govflow's tables by unqualified name; `columnsOf` checks the columns named for one against db/schema.ts. */
type Table = keyof DB extends infer K ? (K extends `govflow.${infer T}` ? T : never) : never;
const columnsOf = <T extends Table>(table: T, columns: Array<keyof DB[`govflow.${T}`] & string>): [table: Table, columns: string[]] => [table, columns];

/** Raw tables and the condition that finds the person in each (:id is the raw identifier). */
const RAW_ROWS: Array<[table: Table, where: (id: string) => ReturnType<typeof sql>]> = [
  ['access_events', (id) => sql`subject_id = ${id} or principal = ${id}`],
  ['consent_events', (id) => sql`subject_id = ${id}`],
  ['consent_state', (id) => sql`subject_id = ${id}`],
  ['audit_trail_events', (id) => sql`actor = ${id}`],
  // The consent step's derived raw tables: the person's withdrawals, and the per-purpose erasures
  // queued from them (this erasure of the whole person answers those).
  ['consent_withdrawals', (id) => sql`subject_id = ${id}`],
  ['erasure_requests', (id) => sql`subject_id = ${id}`],
  // Quarantined lines are raw text: any line that contains the identifier goes.
  ['rejected_records', (id) => sql`strpos(raw, ${id}) > 0`],
];

/** Free-text columns of kept raw rows where the person may be mentioned. */
const REDACT_MENTIONS = [
  columnsOf('access_events', ['resource', 'user_agent']),
  columnsOf('audit_trail_events', ['target']),
];

/** A transaction (Kysely's Transaction is a Kysely): the helpers below run inside the erasure's. */
type Tx = Db;

/**
 * Whether govflow holds or held anything of the person: a raw row in any of RAW_ROWS, a data key
 * or vault entry under their pseudonym, or an earlier erasure of the same identifier (then this
 * request is a repeat, answered as an erasure, not as an unknown id).
 */
async function holdsAnything(tx: Tx, id: string, subjectRef: string): Promise<boolean> {
  const { rows } = await sql<{ held: boolean }>`
    select govflow.is_erased(${id})
      or exists (select 1 from govflow.subject_keys where subject_ref = ${subjectRef})
      or exists (select 1 from govflow.pii_vault where subject_ref = ${subjectRef}) as held`.execute(tx);
  if (rows[0]?.held) return true;
  for (const [table, where] of RAW_ROWS) {
    const { rows: present } = await sql<{ ok: boolean }>`select to_regclass(${`govflow.${table}`}) is not null as ok`.execute(tx);
    if (!present[0]?.ok) continue;
    const { rows: hit } = await sql`select 1 from ${sql.table(`govflow.${table}`)} where ${where(id)} limit 1`.execute(tx);
    if (hit.length) return true;
  }
  return false;
}

/** The policy under which a receipt is written: its hash and the erasure SLA in seconds. */
interface ReceiptPolicy {
  hash: string;
  erasureWithinSeconds: number;
}

/**
 * The receipt (once per request) of `requestIds`: what was found and done, never the raw id. The
 * due date is the request's own, or requested_at + the policy's SLA for a request made without one.
 */
async function writeReceipt(tx: Tx, requestIds: number[], keyShredded: boolean, deleted: Record<string, number>, outcome: ErasureResult['outcome'], policy: ReceiptPolicy): Promise<void> {
  await sql`
    insert into govflow.erasure_receipts (request_id, subject_ref, workflow_id, key_shredded, deleted, requested_at, outcome, purpose, due_at, policy_hash)
    select id, subject_ref, ${Context.current().info.workflowExecution?.workflowId ?? null}, ${keyShredded}, ${JSON.stringify(deleted)}::jsonb, requested_at, ${outcome},
      purpose, coalesce(due_at, requested_at + make_interval(secs => ${policy.erasureWithinSeconds})), ${policy.hash}
    from govflow.subject_erasures where id = any(${requestIds}::bigint[])
    on conflict (request_id) do nothing`.execute(tx);
}

/** A person's erasure, by request id (activities/erase.ts is its Temporal-facing shell). */
export function subjectErasure({ db, config }: ActivityDeps) {
  return {
    async eraseSubjectData(input: ErasureInput): Promise<ErasureResult> {
      const policy: ReceiptPolicy = { hash: config.policy.hash, erasureWithinSeconds: config.policy.policy.dataSubjectRequests.erasureWithin };
      try {
        return await db.transaction().execute(async (tx) => {
          const { rows } = await sql<{ subject_ref: string; subject_id: string | null; status: string; purpose: string | null; requested_at: Date }>`
            select subject_ref, subject_id, status, purpose, requested_at from govflow.subject_erasures where id = ${input.requestId} for update`.execute(tx);
          const request = rows[0];
          if (!request) throw ApplicationFailure.nonRetryable(`erasure request ${input.requestId} does not exist`, 'UnknownErasureRequest');
          if (request.status === 'completed' || request.subject_id === null) {
            const { rows: receipts } = await sql<{ key_shredded: boolean; deleted: Record<string, number>; outcome: ErasureResult['outcome'] }>`
              select key_shredded, deleted, outcome from govflow.erasure_receipts where request_id = ${input.requestId}`.execute(tx);
            return {
              requestId: input.requestId,
              subjectRef: request.subject_ref,
              keyShredded: receipts[0]?.key_shredded ?? false,
              deleted: receipts[0]?.deleted ?? {},
              alreadyCompleted: true,
              outcome: receipts[0]?.outcome ?? 'erased',
            };
          }
          const id = request.subject_id;
          if (request.purpose !== null) {
            const deleted = await erasePurposeData(tx, id, request.subject_ref, request.purpose, new Date(request.requested_at));
            await sql`update govflow.erasure_requests set status = 'done' where subject_erasure_id = ${input.requestId}`.execute(tx);
            await sql`
              update govflow.subject_erasures set subject_id = null, status = 'completed', completed_at = now()
              where id = ${input.requestId}`.execute(tx);
            await writeReceipt(tx, [input.requestId], false, deleted, 'erased', policy);
            return { requestId: input.requestId, subjectRef: request.subject_ref, keyShredded: false, deleted, alreadyCompleted: false, outcome: 'erased' };
          }
          if (!(await holdsAnything(tx, id, request.subject_ref))) {
            // Nothing to erase and no suppression entry: a mistyped id must not block a real
            // person's future data. The raw id is cleared all the same.
            await sql`
              update govflow.subject_erasures set subject_id = null, status = 'completed', completed_at = now()
              where id = ${input.requestId}`.execute(tx);
            await writeReceipt(tx, [input.requestId], false, {}, 'no_data_held', policy);
            return { requestId: input.requestId, subjectRef: request.subject_ref, keyShredded: false, deleted: {}, alreadyCompleted: false, outcome: 'no_data_held' };
          }
          const deleted: Record<string, number> = {};
          for (const [table, where] of RAW_ROWS) {
            // Tables of other steps may be absent from an older schema: skip those.
            const { rows: present } = await sql<{ ok: boolean }>`select to_regclass(${`govflow.${table}`}) is not null as ok`.execute(tx);
            if (!present[0]?.ok) continue;
            const r = await sql`delete from ${sql.table(`govflow.${table}`)} where ${where(id)}`.execute(tx);
            deleted[table] = Number(r.numAffectedRows ?? 0);
            heartbeatOrStop({ table });
          }
          // Other people's records that merely mention the person (an admin's action on their
          // account) stay for accountability, with the raw id replaced by the pseudonym.
          for (const [table, columns] of REDACT_MENTIONS) {
            let n = 0;
            for (const column of columns) {
              const r = await sql`update ${sql.table(`govflow.${table}`)} set ${sql.ref(column)} = replace(${sql.ref(column)}, ${id}, ${request.subject_ref})
                where strpos(${sql.ref(column)}, ${id}) > 0`.execute(tx);
              n += Number(r.numAffectedRows ?? 0);
            }
            deleted[`${table}_redacted`] = n;
          }
          await sql`
            insert into govflow.erased_identifiers (id_hash, request_id) values (govflow.erased_id_hash(${id}), ${input.requestId})
            on conflict (id_hash) do nothing`.execute(tx);
          await sql`select govflow.enable_erasure_suppression()`.execute(tx);
          const shred = await sql`delete from govflow.subject_keys where subject_ref = ${request.subject_ref}`.execute(tx);
          const keyShredded = Number(shred.numAffectedRows ?? 0) > 0;
          // Other open requests for the same person (another command, a purpose's withdrawal) carry
          // the raw id too, and are answered by this one: each gets this erasure's receipt.
          const { rows: answered } = await sql<{ id: string }>`
            update govflow.subject_erasures set subject_id = null, status = 'completed', completed_at = now()
            where subject_ref = ${request.subject_ref} and (id = ${input.requestId} or status = 'pending') returning id`.execute(tx);
          await writeReceipt(tx, answered.map((r) => Number(r.id)), keyShredded, deleted, 'erased', policy);
          return { requestId: input.requestId, subjectRef: request.subject_ref, keyShredded, deleted, alreadyCompleted: false, outcome: 'erased' };
        });
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        return classifyStepError(err);
      }
    },
  };
}
