import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { RunStatus } from '../workflow-safe/dag';

// Types of the tables that code reads or writes through Kysely's builder. Steps that are pure
// set-based SQL use `sql` templates and need no row types.

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface RunsTable {
  workflow_id: string;
  run_id: string;
  dag: string;
  window_start: Timestamp;
  window_end: Timestamp;
  trigger: string;
  status: RunStatus;
  policy_hash: string;
  /** The policy and config files the run used (null on runs recorded before they were kept). */
  policy_file: string | null;
  config_file: string | null;
  config_hash: string | null;
  totals: JSONColumnType<Record<string, unknown>>;
  started_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
}

export interface TaskRunsTable {
  workflow_id: string;
  run_id: string;
  task: string;
  state: string;
  attempts: Generated<number>;
  rows_in: ColumnType<string | null, number | null, number | null>;
  rows_out: ColumnType<string | null, number | null, number | null>;
  counts: JSONColumnType<Record<string, number>>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  duration_ms: number | null;
  error: string | null;
}

export interface ReportsTable {
  id: Generated<string>;
  kind: string;
  window_start: Timestamp;
  window_end: Timestamp;
  workflow_id: string;
  policy_hash: string;
  html: string;
  text: string;
  kpis: JSONColumnType<Record<string, unknown>>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface AlertsTable {
  id: Generated<string>;
  dedupe_key: string;
  severity: string;
  title: string;
  summary: string;
  status: Generated<'open' | 'acknowledged' | 'resolved'>;
  window_start: Timestamp;
  window_end: Timestamp;
  workflow_id: string;
  occurrences: Generated<number>;
  first_seen: Generated<Timestamp>;
  last_seen: Generated<Timestamp>;
}

export interface Database {
  'govflow.runs': RunsTable;
  'govflow.task_runs': TaskRunsTable;
  'govflow.reports': ReportsTable;
  'govflow.alerts': AlertsTable;
}
