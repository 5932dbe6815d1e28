import { sql, type RawBuilder } from 'kysely';
import type { SourceScope } from '../workflow-safe/source-scope';

// The SQL side of a region-pinned step's scope (workflow-safe/source-scope.ts). Without a scope
// each predicate is `true`, so an unscoped step reads and writes the whole window as it always did.

/** `alias.source` within the scope: a region's sources, or every source but the pinned ones. */
export function sourceInScope(alias: string, scope: SourceScope | undefined): RawBuilder<boolean> {
  if (!scope) return sql<boolean>`true`;
  const column = sql.ref(`${alias}.source`);
  return scope.region
    ? sql<boolean>`${column} = any(${scope.sources}::text[])`
    : sql<boolean>`${column} <> all(${scope.sources}::text[])`;
}

/**
 * What a scoped step appends to the keys it writes (audit findings' dedupe keys, incidents'
 * `about`): `@eu-west-1` for a region, nothing for the rest, so two regions' findings of the same
 * principal and hour are two findings, and two incidents, never one overwriting the other.
 */
export const regionSuffix = (scope: SourceScope | undefined): string => (scope?.region ? `@${scope.region}` : '');

/**
 * An `about` (audit_findings.about, incidents.about) within the scope: ending in `@region` for a
 * region; for the rest, ending in none of the pinned regions'.
 */
export function aboutInScope(column: RawBuilder<unknown>, scope: SourceScope | undefined): RawBuilder<boolean> {
  if (!scope) return sql<boolean>`true`;
  if (scope.region) return sql<boolean>`right(${column}, ${regionSuffix(scope).length}) = ${regionSuffix(scope)}`;
  // Region names are lower-case letters, digits and - (config/config.ts): nothing LIKE would read as a pattern.
  const suffixes = (scope.regions ?? []).map((r) => `%@${r}`);
  return sql<boolean>`not (${column} like any(${suffixes}::text[]))`;
}
