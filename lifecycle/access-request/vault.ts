import { sql } from 'kysely';
import type { Db } from '../../db/pool';
import { decryptValue, keyBytes, unwrapDataKey } from '../../masking/vault/crypto';
import { vaultContext } from '../../masking/operators';
import type { TableRows } from './tables';

// The person's vault entries, decrypted under their own data key: in an access export the values
// behind the tokens are the person's own data (GDPR Art. 15(3)). A shredded key (an erased person)
// leaves nothing to decrypt; those entries are listed with value null and state 'shredded'.

/** The vault's rows of `subjectRef` as an export table (token, kind, value, state, created_at). */
export async function vaultTable(db: Db, vaultSecret: string, subjectRef: string): Promise<TableRows> {
  const { rows } = await sql<{ token: string; kind: string; ciphertext: string; created_at: Date; wrapped_key: string | null }>`
    select v.token, v.kind, v.ciphertext, v.created_at, k.wrapped_key
    from govflow.pii_vault v left join govflow.subject_keys k using (subject_ref)
    where v.subject_ref = ${subjectRef} order by v.created_at, v.token`.execute(db);
  const dataKey = rows[0]?.wrapped_key ? unwrapDataKey(keyBytes(vaultSecret), rows[0].wrapped_key, subjectRef) : undefined;
  return {
    name: 'pii_vault',
    description: 'values govflow replaced by tokens in its analytics copy, decrypted',
    columns: ['token', 'kind', 'value', 'state', 'created_at'],
    rows: rows.map((r) => ({
      token: r.token,
      kind: r.kind,
      value: dataKey ? decryptValue(dataKey, r.ciphertext, vaultContext(r.token)) : null,
      state: dataKey ? 'granted' : 'shredded',
      created_at: r.created_at,
    })),
  };
}
