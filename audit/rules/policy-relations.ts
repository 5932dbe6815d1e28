import { sql, type RawBuilder } from 'kysely';
import type { PolicyTables } from '../policy-tables';
import { asJsonb } from './rule';

// The flattened policy (audit/policy-tables.ts) as SQL relations, for the rules' FROM clauses.

export function principalsRelation(t: PolicyTables): RawBuilder<unknown> {
  return sql`jsonb_to_recordset(${asJsonb(t.principals)}) as p(name text, principal_id text, deactivated_at timestamptz)`;
}

export function grantsRelation(t: PolicyTables): RawBuilder<unknown> {
  return sql`jsonb_to_recordset(${asJsonb(t.grants)}) as g(principal_id text, action_like text, category text, purpose text,
    region_likes jsonb, require_justification boolean, hour_from int, hour_to int, time_zone text)`;
}

/** A principal name (or its absence) that means nobody signed in. */
export function isAnonymous(column: string, t: PolicyTables): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(column)} is null or ${sql.ref(column)} = any(${t.anonymous}::text[]))`;
}

/** `value` LIKE one of the patterns of a jsonb array column. */
export function likeAnyOf(value: RawBuilder<unknown>, patterns: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from jsonb_array_elements_text(${patterns}) as pat(x) where ${value} like pat.x)`;
}
