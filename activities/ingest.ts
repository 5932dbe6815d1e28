import { heartbeatOrStop } from './heartbeat';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { expandGlob } from '../lib/ingest/glob';
import { ingestFile, type FileResult } from './ingest-file';
import { ingestPostgres } from './ingest-postgres';
import { recordCheckers } from './record-checkers';
import { PartitionKeeper } from './partitions';
import { countOf, inWindow } from './sql-window';
import type { SourceDelivery, SourceState } from '../lib/source-delivery';
import type { FileSourceConfig, SourceConfig } from '../lib/config';

// ingest: every configured source → Postgres. Records travel from file (or consent database)
// straight into tables inside this activity and never through Temporal; the activity returns
// counts. Files are loaded exactly once (manifest by content hash), in chunks that commit with
// their progress, so a retry resumes where the last attempt stopped.

/** What `govflow run` shows while ingest works: sent as heartbeat details. */
export interface IngestProgress {
  source: string;
  file: string;
  fileIndex: number;
  files: number;
  bytes: number;
  totalBytes: number;
  records: number;
}

/** ingest's result: counts for the DAG, and what each configured source delivered. */
export interface IngestResult extends TaskResult {
  sources: SourceDelivery[];
}

/**
 * Why a file source's path matched no file: the configured path itself, looked at once more.
 * A pattern (`*`, `?`, `[`, `{`) that matches nothing is an empty inbox; a plain path is missing,
 * or not a regular file (a directory, a socket), or cannot be looked at (no permission).
 */
async function whyNoFile(path: string): Promise<{ state: SourceState; problem?: string }> {
  const pattern = /[*?[{]/.test(path);
  try {
    const s = await stat(path);
    if (s.isDirectory()) return { state: 'not-a-file', problem: 'a directory' };
    if (!s.isFile()) return { state: 'not-a-file', problem: 'not a regular file' };
    return { state: pattern ? 'matched-nothing' : 'unreadable', problem: pattern ? undefined : `not readable: ${path}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: pattern ? 'matched-nothing' : 'missing' };
    return { state: pattern ? 'matched-nothing' : 'unreadable', problem: pattern ? undefined : `${code ?? (err as Error).message}: ${path}` };
  }
}

function emptyDelivery(source: SourceConfig): SourceDelivery {
  return {
    source: source.name, kind: source.kind, format: source.format, location: 'url' in source ? 'query' : (source as FileSourceConfig).path,
    state: 'delivered', files: 0, filesLoaded: 0, filesAlreadyLoaded: 0, filesFailed: 0, records: 0, rejected: 0, problems: [],
  };
}

export function ingestActivities(deps: ActivityDeps) {
  const checkers = recordCheckers(deps.config.policy.policy);
  const partitions = new PartitionKeeper(deps.db);

  return {
    async ingest(run: RunRef): Promise<IngestResult> {
      const counts: Record<string, number> = {
        recordsRead: 0, rowsInserted: 0, duplicateEvents: 0, recordsRejected: 0, filesLoaded: 0, filesAlreadyLoaded: 0, filesFailed: 0,
        access: 0, audit: 0, consent: 0,
      };
      const recordsBySource: Record<string, number> = {};
      const duplicatesBySource: Record<string, number> = {};
      const rejectedByReason: Record<string, number> = {};
      const skippedByReason: Record<string, number> = {};
      const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);
      const sources: SourceDelivery[] = [];

      for (const source of deps.config.sources) {
        const delivery = emptyDelivery(source);
        sources.push(delivery);
        if ('url' in source) {
          const r = await ingestPostgres(deps, source, run, checkers[source.kind], (records) =>
            heartbeatOrStop({ source: source.name, file: 'query', fileIndex: 1, files: 1, bytes: 0, totalBytes: 0, records } satisfies IngestProgress),
          );
          counts.recordsRead! += r.records;
          counts.rowsInserted! += r.inserted;
          counts.recordsRejected! += r.rejected;
          add(counts, source.kind, r.records);
          add(recordsBySource, source.name, r.records);
          if (r.rejected) add(rejectedByReason, `${source.name}: invalid row`, r.rejected);
          // The query is over the window: no rows is an answer (no consent changed), not a gap.
          Object.assign(delivery, { records: r.records, rejected: r.rejected });
          continue;
        }
        const files = expandGlob(source.path);
        delivery.files = files.length;
        if (files.length === 0) {
          // Not fatal (an inbox may be empty this hour), but never silent: the summary and the
          // report name the source and its path, and the window reads as incomplete.
          const why = await whyNoFile(source.path);
          delivery.state = why.state;
          if (why.problem) delivery.problems.push(why.problem);
          add(skippedByReason, `${source.name}: ${why.state.replace(/-/g, ' ')}: ${source.path}`, 1);
        }
        for (const [i, file] of files.entries()) {
          const r: FileResult = await ingestFile(deps, source, file, run, checkers[source.kind], partitions, (p) =>
            // Cancelled: the file's cursor holds the chunks committed so far; the next run resumes.
            heartbeatOrStop({ source: source.name, file: basename(p.file), fileIndex: i + 1, files: files.length, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records } satisfies IngestProgress),
          );
          counts.recordsRead! += r.records;
          counts.rowsInserted! += r.inserted;
          counts.recordsRejected! += r.rejected;
          counts.duplicateEvents! += r.duplicates;
          if (r.duplicates) add(duplicatesBySource, source.name, r.duplicates);
          add(counts, source.kind, r.records);
          add(counts, r.status === 'loaded' ? 'filesLoaded' : r.status === 'already-loaded' ? 'filesAlreadyLoaded' : 'filesFailed', 1);
          add(recordsBySource, source.name, r.records);
          for (const [reason, n] of Object.entries(r.rejectedByReason)) add(rejectedByReason, `${source.name}: ${reason}`, n);
          for (const [reason, n] of Object.entries(r.skipped)) add(skippedByReason, `${source.name}: ${reason}`, n);
          delivery.records += r.records;
          delivery.rejected += r.rejected;
          if (r.status === 'loaded') delivery.filesLoaded++;
          else if (r.status === 'already-loaded') delivery.filesAlreadyLoaded++;
          else {
            delivery.filesFailed++;
            delivery.problems.push(`${r.error ?? 'unreadable'} (${r.file})`);
          }
        }
        if (delivery.filesFailed > 0) delivery.state = 'unreadable';
        else if (files.length > 0 && delivery.records === 0) delivery.state = 'empty';
      }
      await recordDeliveries(deps, run, sources);
      counts.sourcesDelivered = sources.filter((d) => d.state === 'delivered').length;
      counts.sourcesIncomplete = sources.length - counts.sourcesDelivered;

      const w = run.window;
      counts.eventsInWindow =
        (await countOf(sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, deps.db)) +
        (await countOf(sql<{ n: number }>`select count(*) as n from govflow.audit_trail_events t where ${inWindow('t.occurred_at', w)}`, deps.db));
      counts.rowsIn = counts.recordsRead! + counts.recordsRejected!;
      counts.rowsOut = counts.rowsInserted!;
      return { counts, breakdown: { recordsBySource, duplicatesBySource, rejectedByReason, skippedByReason }, sources };
    },
  };
}

/** Replaces the run's delivery rows (a replay re-ingests under the same workflow id). */
async function recordDeliveries(deps: ActivityDeps, run: RunRef, sources: SourceDelivery[]): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    await sql`delete from govflow.source_deliveries where workflow_id = ${run.workflowId}`.execute(tx);
    for (const [i, d] of sources.entries()) {
      await sql`insert into govflow.source_deliveries (workflow_id, source, position, state, delivery)
                values (${run.workflowId}, ${d.source}, ${i}, ${d.state}, ${JSON.stringify(d)}::jsonb)`.execute(tx);
    }
  });
}

/** What each source delivered to a run, in configuration order (empty before its ingest ran). */
export async function readDeliveries(db: ActivityDeps['db'], workflowId: string): Promise<SourceDelivery[]> {
  const { rows } = await sql<{ delivery: SourceDelivery }>`
    select delivery from govflow.source_deliveries where workflow_id = ${workflowId} order by position`.execute(db);
  return rows.map((r) => r.delivery);
}
