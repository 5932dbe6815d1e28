import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SourceKind } from '../config/config';
import { TABLES } from './tables';
import type { CopyRows } from './copy-text';

// Loads one chunk of records in one transaction, with the chunk's quarantined lines and its
// bookkeeping (a file's progress in the manifest, a stream's checkpoint): rows and position commit
// together, so a worker that dies mid-file or mid-stream resumes exactly after the last chunk.
//
// The rows go in by COPY straight into the real table, which is as fast as Postgres can take
// them. COPY has no ON CONFLICT, so when the chunk holds an event already loaded (from another
// file, or twice in this one) the COPY fails on the unique key; we then roll back to a savepoint
// and take the slower, exact path: COPY into an unindexed temporary table and one
// INSERT … ON CONFLICT DO NOTHING from it. New data, the common case, never pays for that.
//
// Some producers log one event several times, each time more complete: the Kubernetes API server
// writes a record per stage of a request under one auditID (RequestReceived, then
// ResponseComplete with the response code and request body). For those rows `details.stageRank`
// orders the versions, and the conflict path keeps the highest: within the chunk (DISTINCT ON) and
// against the stored row (DO UPDATE … WHERE the incoming rank is higher). The stored row is then
// the most complete stage whatever order the stages arrive in, across chunks and files; rows
// without a rank (every other format) keep the first version, as before.

const UNIQUE_VIOLATION = '23505';

/** Per table, the SQL rank of a row's version (`r` is the row): higher supersedes lower. */
const SUPERSEDE_RANK: Partial<Record<SourceKind, (r: string) => string>> = {
  audit: (r) => `coalesce((${r}.details->>'stageRank')::int, 0)`,
};

export interface RejectedLine {
  position: number;
  reason: string;
  raw: string;
}

export interface Chunk {
  rows: CopyRows; // in TABLES[kind].columns order
  rejected: RejectedLine[];
  /**
   * Bookkeeping that must commit with the rows (a file's progress, a stream's checkpoint),
   * given how many of the chunk's rows were new.
   */
  commitWith?: (client: pg.PoolClient, inserted: number) => Promise<void>;
}

export class ChunkLoader {
  private readonly stage: string;
  private ready = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly kind: SourceKind,
    private readonly source: string,
    private readonly file: string,
    private readonly workflowId: string,
  ) {
    this.stage = `govflow_stage_${kind}`;
  }

  private async init(): Promise<void> {
    if (this.ready) return; // the staging table is made once per connection, used only on conflict
    const cols = TABLES[this.kind].columns.map(([n, t]) => `${n} ${t}`).join(', ');
    // Session-local and emptied at every commit: each chunk starts with an empty stage.
    await this.client.query(`create temp table if not exists ${this.stage} (${cols}) on commit delete rows`);
    this.ready = true;
  }

  /**
   * Moves the staged chunk into the table; returns how many rows were new. Where the kind's rows
   * have versions (SUPERSEDE_RANK), a higher-ranked version replaces the stored one; that still
   * counts as a duplicate of the event, not a new row.
   */
  private async insertFromStage(cols: string): Promise<number> {
    const spec = TABLES[this.kind];
    const rank = SUPERSEDE_RANK[this.kind];
    if (!rank) {
      const r = await this.client.query(`insert into ${spec.table} (${cols}) select ${cols} from ${this.stage} on conflict ${spec.conflict} do nothing`);
      return r.rowCount ?? 0;
    }
    const keyColumns = spec.conflict.replace(/[()]/g, '').split(',').map((k) => k.trim());
    const key = keyColumns.join(', ');
    const assign = spec.columns
      .filter(([n]) => !keyColumns.includes(n))
      .map(([n]) => `${n} = excluded.${n}`)
      .join(', ');
    // DISTINCT ON: one version per event within the chunk (DO UPDATE may touch a row only once),
    // among equal ranks the first in the file, as DO NOTHING keeps. xmax = 0 tells a newly
    // inserted row from an updated one.
    const r = await this.client.query<{ inserted: boolean }>(
      `insert into ${spec.table} as t (${cols})
       select ${cols} from (select distinct on (${key}) * from ${this.stage} s order by ${key}, ${rank('s')} desc, s.position nulls last) d
       on conflict ${spec.conflict} do update set ${assign} where ${rank('excluded')} > ${rank('t')}
       returning (xmax = 0) as inserted`,
    );
    return r.rows.filter((x) => x.inserted).length;
  }

  /** Commits one chunk; returns how many rows were new (the rest carried an event id already loaded). */
  async load(chunk: Chunk): Promise<number> {
    await this.init();
    const spec = TABLES[this.kind];
    const cols = spec.columns.map(([n]) => n).join(', ');
    const c = this.client;
    await c.query('begin');
    try {
      let inserted = 0;
      if (chunk.rows.count) {
        await c.query('savepoint direct_copy');
        try {
          await pipeline(Readable.from(chunk.rows.payload()), c.query(copyFrom(`copy ${spec.table} (${cols}) from stdin`)));
          inserted = chunk.rows.count;
        } catch (err) {
          if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
          await c.query('rollback to savepoint direct_copy');
          await pipeline(Readable.from(chunk.rows.payload()), c.query(copyFrom(`copy ${this.stage} (${cols}) from stdin`)));
          inserted = await this.insertFromStage(cols);
        }
      }
      if (chunk.rejected.length) {
        await c.query(
          `insert into govflow.rejected_records (source, file, position, reason, raw, first_workflow_id, last_workflow_id)
           select $1, $2, r.position, r.reason, r.raw, $3, $3
           from jsonb_to_recordset($4::jsonb) as r(position bigint, reason text, raw text)
           on conflict (source, file, position, reason) do update set last_workflow_id = excluded.last_workflow_id`,
          [this.source, this.file, this.workflowId, JSON.stringify(chunk.rejected)],
        );
      }
      if (chunk.commitWith) await chunk.commitWith(c, inserted);
      await c.query('commit');
      return inserted;
    } catch (err) {
      await c.query('rollback').catch(() => {});
      throw err;
    }
  }
}
