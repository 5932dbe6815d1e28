import { heartbeatOrStop } from '../temporal/heartbeat';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { RunRef } from '../workflow-safe/run-ref';
import type { TaskResult } from '../workflow-safe/dag';
import { sourceRegions, type SourceRegions } from '../workflow-safe/source-scope';
import { expandGlob } from './glob';
import { fingerprintHead, readHead } from './fingerprint';
import { ingestFile, type FileResult } from './file-source';
import { ingestPostgres } from './postgres-source';
import { recordCheckers } from './record-checkers';
import { PartitionKeeper } from './partitions';
import { countOf, inWindow } from '../db/sql-window';
import type { SourceDelivery, SourceState } from './source-delivery';
import type { FileSourceConfig, SourceConfig } from '../config/config';
import { analyzeLoaded } from './analyze-loaded';
import pLimit from 'p-limit';

// ingest: every configured source → Postgres. Records travel from file (or consent database)
// straight into tables inside these activities and never through Temporal; they return counts.
// The work is cut into units (a source's query, a file) that the workflow starts as activities of
// their own, so any number of workers share one run's ingest, each region's on its own queue. Files are loaded exactly once (manifest by content hash), in chunks that commit with
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
  /**
   * Each region's sources (configured names and regions only), when some source has a region:
   * how the workflow learns where audit, consent and mask must run for this run's data. From the
   * config rather than the plan's units, so a pinned source that delivered no file this run still
   * keeps its rows on its region's queue. Absent when no source has a region (results unchanged).
   */
  regions?: SourceRegions;
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

/**
 * One piece of ingest work, as the workflow sees it: ids and paths, never data. A postgres
 * source is one unit (its query); a file source is one unit per file, except that files whose
 * first bytes are the same (a log and its rotated or compressed copy) share a unit, read in
 * order, because they share one cursor (lib/ingest/fingerprint.ts).
 */
export interface IngestUnit {
  /** The configured source's name. */
  source: string;
  /** Absolute paths, in the order the source's glob lists them; empty for a postgres source. */
  files: string[];
  /** The source's region (config `region`): the unit runs on that region's task queue. */
  region?: string;
}

/** What one unit loaded: a file's result per file, or the query's counts. */
export interface UnitResult {
  source: string;
  files?: FileResult[];
  query?: { records: number; inserted: number; rejected: number };
}

/** ingestUnit's argument: the run (so the worker binds the run's config) and the unit. */
export interface IngestUnitInput extends RunRef {
  unit: IngestUnit;
}

/** ingestFinish's argument: the plan and each unit's result, in the plan's order. */
export interface IngestFinishInput extends RunRef {
  units: IngestUnit[];
  results: UnitResult[];
}

/** Groups a source's files by the fingerprint of their first bytes; an unreadable file is a unit of its own. */
async function unitsOf(source: FileSourceConfig, files: string[]): Promise<IngestUnit[]> {
  const byHead = new Map<string, IngestUnit>();
  for (const file of files) {
    let key = `path:${file}`;
    try {
      const fp = fingerprintHead((await readHead(file)).head, true);
      if (fp) key = `head:${fp.hash}`;
    } catch {
      // ingestFile reports the fault with the file's path
    }
    const unit = byHead.get(key) ?? byHead.set(key, { source: source.name, files: [], ...(source.region ? { region: source.region } : {}) }).get(key)!;
    unit.files.push(file);
  }
  return [...byHead.values()];
}

/** The ingest step's parts over one run (activities/ingest.ts is their Temporal-facing shell). */
export function sourceIngest(deps: ActivityDeps) {
  const checkers = recordCheckers(deps.config.policy.policy);
  const partitions = new PartitionKeeper(deps.db);
  // A unit holds one pooled connection for its whole COPY and borrows another now and then (its
  // cursor, a new partition). With as many units running on this worker as the pool has
  // connections, each would wait for a second one forever; two connections stay free for them.
  const unitSlots = pLimit(Math.max(1, (deps.pool.options.max ?? 10) - 2));
  /** Runs `load` once a slot is free, heartbeating while it waits (a queued unit is not a dead one). */
  const inSlot = async <T>(load: () => Promise<T>): Promise<T> => {
    const ctx = Context.current();
    const waiting = setInterval(() => ctx.heartbeat({ waitingForSlot: true }), 10_000);
    try {
      return await unitSlots(() => {
        clearInterval(waiting);
        return load();
      });
    } finally {
      clearInterval(waiting);
    }
  };
  const sourceNamed = (name: string): SourceConfig => {
    const source = deps.config.sources.find((s) => s.name === name);
    if (!source) throw ApplicationFailure.nonRetryable(`source "${name}" is not in the worker's config ${deps.config.file}`, 'ConfigMismatch');
    return source;
  };

  /** The units of every configured source, in configuration order. */
  async function ingestPlan(_run: RunRef): Promise<IngestUnit[]> {
    const units: IngestUnit[] = [];
    for (const source of deps.config.sources) {
      if ('url' in source) units.push({ source: source.name, files: [], ...(source.region ? { region: source.region } : {}) });
      else units.push(...(await unitsOf(source, expandGlob(source.path))));
    }
    return units;
  }

  /** Loads one unit's files (or runs its query) into Postgres; heartbeats its progress. */
  async function ingestUnit(input: IngestUnitInput): Promise<UnitResult> {
    return inSlot(() => loadUnit(input));
  }

  async function loadUnit({ unit, ...run }: IngestUnitInput): Promise<UnitResult> {
    const source = sourceNamed(unit.source);
    if ('url' in source) {
      const r = await ingestPostgres(deps, source, run, checkers[source.kind], (records) =>
        heartbeatOrStop({ source: source.name, file: 'query', fileIndex: 1, files: 1, bytes: 0, totalBytes: 0, records } satisfies IngestProgress),
      );
      return { source: source.name, query: r };
    }
    const files: FileResult[] = [];
    for (const [i, file] of unit.files.entries()) {
      files.push(
        await ingestFile(deps, source, file, run, checkers[source.kind], partitions, (p) =>
          heartbeatOrStop({ source: source.name, file: basename(p.file), fileIndex: i + 1, files: unit.files.length, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records } satisfies IngestProgress),
        ),
      );
    }
    return { source: source.name, files };
  }

  /** Joins the units' results into the ingest task's result, records the deliveries and counts the window. */
  async function ingestFinish({ units, results, ...run }: IngestFinishInput): Promise<IngestResult> {
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
      const mine = results.filter((r, i) => units[i]!.source === source.name);
      if ('url' in source) {
        for (const { query: r } of mine) {
          if (!r) continue;
          counts.recordsRead! += r.records;
          counts.rowsInserted! += r.inserted;
          counts.recordsRejected! += r.rejected;
          add(counts, source.kind, r.records);
          add(recordsBySource, source.name, r.records);
          if (r.rejected) add(rejectedByReason, `${source.name}: invalid row`, r.rejected);
          // The query is over the window: no rows is an answer (no consent changed), not a gap.
          delivery.records += r.records;
          delivery.rejected += r.rejected;
        }
        continue;
      }
      const fileResults = mine.flatMap((r) => r.files ?? []);
      delivery.files = fileResults.length;
      if (fileResults.length === 0) {
        // Not fatal (an inbox may be empty this hour), but never silent: the summary and the
        // report name the source and its path, and the window reads as incomplete.
        const why = await whyNoFile(source.path);
        delivery.state = why.state;
        if (why.problem) delivery.problems.push(why.problem);
        add(skippedByReason, `${source.name}: ${why.state.replace(/-/g, ' ')}: ${source.path}`, 1);
      }
      for (const r of fileResults) {
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
      else if (fileResults.length > 0 && delivery.records === 0) delivery.state = 'empty';
    }
    await recordDeliveries(deps, run, sources);
    counts.sourcesDelivered = sources.filter((d) => d.state === 'delivered').length;
    counts.sourcesIncomplete = sources.length - counts.sourcesDelivered;

    const w = run.window;
    // The steps after ingest plan their scans of what was just loaded: give the planner its size.
    // The counts read rows, ANALYZE reads samples of them: neither waits for the other (at 1M
    // events the access count is a 0.1 s scan, the ANALYZEs about a second).
    const [analyzed, accessInWindow, auditInWindow] = await Promise.all([
      analyzeLoaded(deps.db, w, counts),
      countOf(sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', w)}`, deps.db),
      countOf(sql<{ n: number }>`select count(*) as n from govflow.audit_trail_events t where ${inWindow('t.occurred_at', w)}`, deps.db),
    ]);
    counts.tablesAnalyzed = analyzed.length;
    counts.eventsInWindow = accessInWindow + auditInWindow;
    counts.rowsIn = counts.recordsRead! + counts.recordsRejected!;
    counts.rowsOut = counts.rowsInserted!;
    const regions = sourceRegions(deps.config.sources);
    return { counts, breakdown: { recordsBySource, duplicatesBySource, rejectedByReason, skippedByReason }, sources, ...(regions ? { regions } : {}) };
  }

  return {
    ingestPlan,
    ingestUnit,
    ingestFinish,
    /**
     * The whole of ingest in one activity: plan, every unit in turn, finish. The governance
     * workflow fans the units out instead (workflows/ingest-fan-out.ts); this serves runs that
     * have no workflow around them (bench:ingest, tests of what ingest loads).
     */
    async ingest(run: RunRef): Promise<IngestResult> {
      const units = await ingestPlan(run);
      const results: UnitResult[] = [];
      for (const unit of units) results.push(await ingestUnit({ ...run, unit }));
      return ingestFinish({ ...run, units, results });
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
