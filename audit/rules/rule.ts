import { sql, type RawBuilder } from 'kysely';
import type { Window } from '../../workflow-safe/window';
import type { Policy } from '../../policy/policy';
import type { PolicyTables } from '../policy-tables';
import type { SourceScope } from '../../workflow-safe/source-scope';
import type { PlannerSettings } from '../../db/planner';

// One audit rule = one set-based SELECT over the run's window. The runner (audit/run-rules.ts)
// inserts its rows into audit_findings under the rule's id; the rule only says what it finds.

export interface RuleContext {
  window: Window;
  /** The pseudonym key: rules name people only as govflow.pseudonym(value, key). */
  key: string;
  policy: Policy;
  tables: PolicyTables;
  /**
   * The sources whose rows a region-pinned run reads (workflow-safe/source-scope.ts); every rule
   * filters each raw table it reads with sourceInScope (db/sql-scope.ts). Absent: the whole window.
   */
  scope?: SourceScope;
}

/**
 * A rule's SELECT yields, per finding: `key` (stable across runs: derived from the evidence, so
 * re-running a window updates the same finding), `severity`, `description` (no raw identifiers),
 * `occurred_at` (inside the window: it decides which run's report counts the finding),
 * `principal_key`, `subject_key` (pseudonyms or null) and `evidence` (a jsonb array of
 * {table, source, event_id}).
 */
export interface AuditRule {
  id: string;
  /** What the rule looks for, for people reading findings. */
  summary: string;
  /** The rule's plain-language name, shown next to its id in reports (e.g. "Bulk export of personal data"). */
  name: string;
  /** What to do about one of its findings, in a sentence, for the person reading the report. */
  action: string;
  select(ctx: RuleContext): RawBuilder<unknown>;
  /**
   * What one of its findings is about, as SQL over the rule's own SELECT (alias `f`): the key its
   * findings are grouped by into incidents (audit/incidents.ts). Pseudonyms and configured names
   * only. Default: the principal, else the person, else "unattributed".
   */
  about?: RawBuilder<string>;
  /**
   * Planner settings the runner pins for this rule's statement (db/planner.ts `withPlanner`), for
   * a rule whose best plan does not depend on estimates (e.g. `{ jit: 'off' }`). Default: none.
   */
  planner?: PlannerSettings;
}

/** The default incident grouping: the principal, else the person concerned. */
export const ABOUT_PRINCIPAL: RawBuilder<string> = sql<string>`coalesce('principal:' || f.principal_key, 'subject:' || f.subject_key, 'unattributed')`;

/** The evidence reference to one event row. */
export function evidenceRef(table: 'access_events' | 'audit_trail_events', alias: string): RawBuilder<unknown> {
  return sql`jsonb_build_object('table', ${table}::text, 'source', ${sql.ref(`${alias}.source`)}, 'event_id', ${sql.ref(`${alias}.event_id`)})`;
}

/** A policy table as a jsonb parameter. */
export function asJsonb(value: unknown): RawBuilder<unknown> {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/** An instant `ms` before an ISO instant, for rules that look back past the window's start. */
export function before(iso: string, ms: number): string {
  return new Date(Date.parse(iso) - ms).toISOString();
}

export const MINUTE_MS = 60_000;

/** Large bursts keep the first events as evidence; the description gives the full count. */
export const MAX_EVIDENCE = 100;
