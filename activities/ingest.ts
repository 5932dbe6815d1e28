import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import type { SourceConfig, SourceKind } from '../lib/config';
import { checkAccess, checkAuditTrail, checkConsent, type Checked } from '../lib/records';
import { hashFile } from '../lib/file-hash';

// ingest: sources → Postgres. Records travel from file to table inside this activity and never
// through Temporal. Every insert is keyed by (source, event id), so a retry or a re-run of the
// same window adds nothing. A record that fails its checks is quarantined, never fatal.

const BATCH = 1000;
const RAW_LIMIT = 2000; // quarantined raw text is truncated: enough to diagnose, not a second copy

interface Rejected {
  source: string;
  file: string;
  position: number;
  reason: string;
  raw: string;
}

type Row = Record<string, unknown>;

/** Per kind: the target table, the columns of a row and their SQL types for jsonb_to_recordset. */
const TABLES: Record<SourceKind, { table: string; columns: Record<string, string>; conflict: string }> = {
  access: {
    table: 'govflow.access_events',
    conflict: '(source, event_id, occurred_at)',
    columns: {
      source: 'text', event_id: 'text', occurred_at: 'timestamptz', principal: 'text', subject_id: 'text',
      action: 'text', resource: 'text', data_category: 'text', purpose: 'text', outcome: 'text',
      source_ip: 'text', region: 'text', user_agent: 'text', file: 'text', position: 'bigint',
    },
  },
  audit: {
    table: 'govflow.audit_trail_events',
    conflict: '(source, event_id)',
    columns: {
      source: 'text', event_id: 'text', occurred_at: 'timestamptz', actor: 'text', action: 'text',
      target: 'text', outcome: 'text', source_ip: 'text', file: 'text', position: 'bigint',
    },
  },
  consent: {
    table: 'govflow.consent_events',
    conflict: '(source, event_id)',
    columns: {
      source: 'text', event_id: 'text', subject_id: 'text', purpose: 'text', granted: 'boolean',
      occurred_at: 'timestamptz', evidence: 'text', file: 'text', position: 'bigint',
    },
  },
};

export function ingestActivities({ db, config }: ActivityDeps) {
  const purposes = new Set(config.policy.policy.purposes.map((p) => p.id));
  const checkers: Record<SourceKind, (obj: unknown) => Checked<{ event_id: string | null; occurred_at: string }>> = {
    access: (o) => checkAccess(o, purposes),
    audit: (o) => checkAuditTrail(o),
    consent: (o) => checkConsent(o, purposes),
  };
  const partitionsMade = new Set<string>();

  async function ensurePartitions(rows: Row[]) {
    const days = new Set(rows.map((r) => String(r.occurred_at).slice(0, 10)));
    for (const day of days) {
      if (partitionsMade.has(day)) continue;
      await sql`select govflow.ensure_access_partition(${day}::date)`.execute(db);
      partitionsMade.add(day);
    }
  }

  async function insertRows(kind: SourceKind, rows: Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    const spec = TABLES[kind];
    if (kind === 'access') await ensurePartitions(rows);
    const cols = Object.keys(spec.columns);
    const typed = cols.map((c) => `${c} ${spec.columns[c]}`).join(', ');
    const result = await sql`
      insert into ${sql.raw(spec.table)} (${sql.raw(cols.join(', '))})
      select ${sql.raw(cols.join(', '))}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(${sql.raw(typed)})
      on conflict ${sql.raw(spec.conflict)} do nothing`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  }

  async function quarantine(rows: Rejected[], workflowId: string) {
    if (rows.length === 0) return;
    await sql`
      insert into govflow.rejected_records (source, file, position, reason, raw, first_workflow_id, last_workflow_id)
      select source, file, position, reason, raw, ${workflowId}, ${workflowId}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(source text, file text, position bigint, reason text, raw text)
      on conflict (source, file, position) do update set last_workflow_id = excluded.last_workflow_id`.execute(db);
  }

  async function ingestSource(source: SourceConfig, run: RunRef) {
    const fileHash = await hashFile(source.path);
    const check = checkers[source.kind];
    let read = 0;
    let inserted = 0;
    let rejected = 0;
    let rows: Row[] = [];
    let bad: Rejected[] = [];
    const flush = async () => {
      inserted += await insertRows(source.kind, rows);
      await quarantine(bad, run.workflowId);
      rows = [];
      bad = [];
      Context.current().heartbeat({ source: source.name, read });
    };

    const lines = createInterface({ input: createReadStream(source.path, 'utf8'), crlfDelay: Infinity });
    let position = 0;
    for await (const line of lines) {
      position += 1;
      if (line.trim() === '') continue;
      let parsed: unknown;
      let checked: Checked<{ event_id: string | null; occurred_at: string }>;
      try {
        parsed = JSON.parse(line);
        checked = check(parsed);
      } catch {
        checked = { ok: false, reason: 'malformed JSON' };
      }
      if (checked.ok) {
        read += 1;
        // Lines without an id are identified by the file's content and their position, because
        // real logs repeat identical lines that are nevertheless distinct events.
        const eventId = checked.record.event_id ?? `${fileHash.slice(0, 16)}:${position}`;
        rows.push({ ...checked.record, event_id: eventId, source: source.name, file: source.path, position });
      } else {
        rejected += 1;
        bad.push({ source: source.name, file: source.path, position, reason: checked.reason, raw: line.slice(0, RAW_LIMIT) });
      }
      if (rows.length + bad.length >= BATCH) await flush();
    }
    await flush();
    return { read, inserted, rejected };
  }

  return {
    async ingest(run: RunRef): Promise<TaskResult> {
      const counts: Record<string, number> = { recordsRead: 0, rowsInserted: 0, recordsRejected: 0, access: 0, audit: 0, consent: 0 };
      const bySource: Record<string, number> = {};
      for (const source of config.sources) {
        const r = await ingestSource(source, run);
        counts.recordsRead! += r.read;
        counts.rowsInserted! += r.inserted;
        counts.recordsRejected! += r.rejected;
        counts[source.kind]! += r.read;
        bySource[source.name] = r.read;
      }
      const inWindow = await sql<{ n: number }>`
        select (select count(*) from govflow.access_events where occurred_at >= ${run.window.start}::timestamptz and occurred_at < ${run.window.end}::timestamptz)
             + (select count(*) from govflow.audit_trail_events where occurred_at >= ${run.window.start}::timestamptz and occurred_at < ${run.window.end}::timestamptz) as n`.execute(db);
      counts.eventsInWindow = Number(inWindow.rows[0]?.n ?? 0);
      counts.rowsIn = counts.recordsRead! + counts.recordsRejected!;
      counts.rowsOut = counts.rowsInserted!;
      return { counts, breakdown: { recordsBySource: bySource } };
    },
  };
}
