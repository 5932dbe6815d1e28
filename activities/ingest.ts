import { basename } from 'node:path';
import { Context } from '@temporalio/activity';
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

export function ingestActivities(deps: ActivityDeps) {
  const checkers = recordCheckers(deps.config.policy.policy);
  const partitions = new PartitionKeeper(deps.db);

  return {
    async ingest(run: RunRef): Promise<TaskResult> {
      const ctx = Context.current();
      const counts: Record<string, number> = {
        recordsRead: 0, rowsInserted: 0, duplicateEvents: 0, recordsRejected: 0, filesLoaded: 0, filesAlreadyLoaded: 0, filesFailed: 0,
        access: 0, audit: 0, consent: 0,
      };
      const recordsBySource: Record<string, number> = {};
      const duplicatesBySource: Record<string, number> = {};
      const rejectedByReason: Record<string, number> = {};
      const skippedByReason: Record<string, number> = {};
      const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);

      for (const source of deps.config.sources) {
        if ('url' in source) {
          const r = await ingestPostgres(deps, source, run, checkers[source.kind], (records) =>
            ctx.heartbeat({ source: source.name, file: 'query', fileIndex: 1, files: 1, bytes: 0, totalBytes: 0, records } satisfies IngestProgress),
          );
          counts.recordsRead! += r.records;
          counts.rowsInserted! += r.inserted;
          counts.recordsRejected! += r.rejected;
          add(counts, source.kind, r.records);
          add(recordsBySource, source.name, r.records);
          if (r.rejected) add(rejectedByReason, `${source.name}: invalid row`, r.rejected);
          continue;
        }
        const files = expandGlob(source.path);
        if (files.length === 0) {
          // Not an error: an inbox may be empty this hour. Said in the breakdown, not silently.
          add(skippedByReason, `${source.name}: no file matches ${source.path}`, 1);
        }
        for (const [i, file] of files.entries()) {
          const r: FileResult = await ingestFile(deps, source, file, run, checkers[source.kind], partitions, (p) =>
            ctx.heartbeat({ source: source.name, file: basename(p.file), fileIndex: i + 1, files: files.length, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records } satisfies IngestProgress),
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
        }
      }

      const w = run.window;
      counts.eventsInWindow =
        (await countOf(sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, deps.db)) +
        (await countOf(sql<{ n: number }>`select count(*) as n from govflow.audit_trail_events t where ${inWindow('t.occurred_at', w)}`, deps.db));
      counts.rowsIn = counts.recordsRead! + counts.recordsRejected!;
      counts.rowsOut = counts.rowsInserted!;
      return { counts, breakdown: { recordsBySource, duplicatesBySource, rejectedByReason, skippedByReason } };
    },
  };
}
