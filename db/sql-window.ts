import { sql, type RawBuilder } from 'kysely';
import type { Window } from '../workflow-safe/window';

/** `column` within the half-open window [start, end). */
export function inWindow(column: string, window: Window): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} >= ${window.start}::timestamptz and ${sql.ref(column)} < ${window.end}::timestamptz`;
}

/** Runs a count(*)-style query and returns its single number. */
export async function countOf(query: RawBuilder<{ n: number }>, db: Parameters<RawBuilder<unknown>['execute']>[0]): Promise<number> {
  const { rows } = await query.execute(db);
  return Number(rows[0]?.n ?? 0);
}
