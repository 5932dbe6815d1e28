import { sql } from 'kysely';
import type { Db } from '../../db/pool';
import type { VaultEntry } from '../operators';
import { decryptValue, keyBytes, newDataKey, unwrapDataKey, wrapDataKey } from './crypto';
import { vaultContext } from '../operators';

// The PII vault in Postgres: per-person data keys (wrapped), sealed token values, and the log of
// every de-tokenisation. Only the vault's own code reads these tables; the analyst role cannot.

/**
 * Adds to `cache` the data keys of `refs` it lacks, creating (and storing, wrapped) a key for
 * anyone who has none yet. Concurrent creators race harmlessly: the first stored key wins and
 * everyone reads it back. Callers keep the cache for a whole step: people recur across batches.
 */
export async function loadDataKeys(db: Db, vaultSecret: string, keyId: string, refs: Iterable<string>, cache: Map<string, Buffer>): Promise<void> {
  const wanted = [...new Set(refs)].filter((r) => !cache.has(r));
  if (wanted.length === 0) return;
  const kek = keyBytes(vaultSecret);
  const read = async (list: string[]) => {
    const { rows } = await sql<{ subject_ref: string; wrapped_key: string }>`
      select subject_ref, wrapped_key from govflow.subject_keys where subject_ref = any(${list}::text[])`.execute(db);
    for (const r of rows) cache.set(r.subject_ref, unwrapDataKey(kek, r.wrapped_key, r.subject_ref));
  };
  await read(wanted);
  const missing = wanted.filter((r) => !cache.has(r));
  if (missing.length === 0) return;
  const fresh = missing.map((ref) => ({ subject_ref: ref, wrapped_key: wrapDataKey(kek, newDataKey(), ref) }));
  await sql`
    insert into govflow.subject_keys (subject_ref, key_id, wrapped_key)
    select subject_ref, ${keyId}, wrapped_key from jsonb_to_recordset(${JSON.stringify(fresh)}::jsonb) as r(subject_ref text, wrapped_key text)
    on conflict (subject_ref) do nothing`.execute(db);
  await read(missing);
}

export async function storeVaultEntries(db: Db, entries: VaultEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({ token: e.token, subject_ref: e.subjectRef, kind: e.kind, ciphertext: e.ciphertext }));
  await sql`
    insert into govflow.pii_vault (token, subject_ref, kind, ciphertext)
    select token, subject_ref, kind, ciphertext
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(token text, subject_ref text, kind text, ciphertext text)
    on conflict (token) do nothing`.execute(db);
}

export type DetokeniseResult =
  | { outcome: 'granted'; value: string; kind: string; subjectRef: string }
  | { outcome: 'shredded'; subjectRef: string }
  | { outcome: 'unknown_token' };

/** The value behind a token, for a named accessor and reason; every attempt is logged. */
export async function detokenise(db: Db, vaultSecret: string, token: string, accessor: string, reason: string): Promise<DetokeniseResult> {
  const { rows } = await sql<{ subject_ref: string; kind: string; ciphertext: string; wrapped_key: string | null }>`
    select v.subject_ref, v.kind, v.ciphertext, k.wrapped_key
    from govflow.pii_vault v left join govflow.subject_keys k using (subject_ref)
    where v.token = ${token}`.execute(db);
  const row = rows[0];
  const result: DetokeniseResult = !row
    ? { outcome: 'unknown_token' }
    : row.wrapped_key === null
      ? { outcome: 'shredded', subjectRef: row.subject_ref }
      : {
          outcome: 'granted',
          subjectRef: row.subject_ref,
          kind: row.kind,
          value: decryptValue(unwrapDataKey(keyBytes(vaultSecret), row.wrapped_key, row.subject_ref), row.ciphertext, vaultContext(token)),
        };
  await sql`
    insert into govflow.pii_access_log (token, subject_ref, accessor, reason, outcome)
    values (${token}, ${row?.subject_ref ?? null}, ${accessor}, ${reason}, ${result.outcome})`.execute(db);
  return result;
}
