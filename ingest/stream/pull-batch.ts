import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../config/deps';
import { ChunkLoader, type RejectedLine } from '../chunk-loader';
import { PartitionKeeper } from '../partitions';
import { recordCheckers } from '../record-checkers';
import { CopyRows } from '../copy-text';
import { rowValues } from '../tables';
import { streamSourceName, type StreamSource } from './source';
import type { Window } from '../../workflow-safe/window';
import { postgresStreamReader } from './postgres-reader';
import { kinesisClient, kinesisStreamReader } from './kinesis-reader';
import type { StreamReader, StreamRecord } from './types';

// One micro-batch: wait (up to maxWaitMs) for new records, check them, load them into
// access_events and move the checkpoint, all in one transaction. The result is counts and the
// time span the batch's events cover, which the governance steps then run over.

export interface PullInput {
  /** Names this pull, so that a retry returns the batch an earlier attempt committed. */
  batchId: string;
  source: StreamSource;
  batchSize: number;
  maxWaitMs: number;
  /** How far before the batch's first event the steps look (a burst of failures spans batches). */
  lookbackMs: number;
}

export interface PullResult {
  records: number;
  inserted: number;
  rejected: number;
  /** The span the steps govern; null when the batch was empty or held only bad records. */
  window: Window | null;
  /** When the stream received the batch's oldest record (ms since epoch): latency is measured from it. */
  oldestReceivedAt: number | null;
}

function readerFor(deps: ActivityDeps, source: StreamSource): StreamReader {
  const consumer = streamSourceName(source);
  return source.kind === 'postgres'
    ? postgresStreamReader(deps.pool, consumer, source.stream ?? 'default')
    : kinesisStreamReader(deps.pool, consumer, source.streamName, kinesisClient(source));
}

/** A stable bigint for a record without a numeric position (a Kinesis sequence number is too long). */
function ordinalOf(r: StreamRecord): number {
  return r.ordinal ?? Number.parseInt(createHash('sha256').update(r.ref).digest('hex').slice(0, 13), 16);
}

async function committedBatch(deps: ActivityDeps, batchId: string): Promise<PullResult | undefined> {
  const { rows } = await deps.pool.query('select * from govflow.stream_batches where batch_id = $1', [batchId]);
  const b = rows[0];
  if (!b) return undefined;
  return {
    records: b.records,
    inserted: b.inserted,
    rejected: b.rejected,
    window: b.window_start ? { start: b.window_start.toISOString(), end: b.window_end.toISOString() } : null,
    oldestReceivedAt: b.oldest_received_at,
  };
}

/** A stream's micro-batches (activities/stream.ts is their Temporal-facing shell). */
export function streamBatchPuller(deps: ActivityDeps) {
  const check = recordCheckers(deps.config.policy.policy).access;
  const partitions = new PartitionKeeper(deps.db);

  return {
    async pullStreamBatch(input: PullInput): Promise<PullResult> {
      const ctx = Context.current();
      const consumer = streamSourceName(input.source);
      const earlier = await committedBatch(deps, input.batchId);
      if (earlier) return earlier;
      const reader = readerFor(deps, input.source);
      try {
        const deadline = Date.now() + input.maxWaitMs;
        let records: StreamRecord[] = [];
        for (;;) {
          records = await reader.read(input.batchSize);
          if (records.length || Date.now() >= deadline) break;
          ctx.heartbeat();
          await new Promise((r) => setTimeout(r, Math.min(50, Math.max(0, deadline - Date.now()))));
        }
        if (records.length === 0) return { records: 0, inserted: 0, rejected: 0, window: null, oldestReceivedAt: null };

        const rows = new CopyRows();
        const rejected: RejectedLine[] = [];
        const days = new Set<string>();
        let min = Infinity;
        let max = -Infinity;
        for (const rec of records) {
          let obj: unknown;
          try {
            obj = JSON.parse(rec.text);
          } catch {
            rejected.push({ position: ordinalOf(rec), reason: 'malformed JSON', raw: rec.text.slice(0, 2000) });
            continue;
          }
          const checked = check(obj);
          if (!checked.ok) {
            rejected.push({ position: ordinalOf(rec), reason: checked.reason, raw: rec.text.slice(0, 2000) });
            continue;
          }
          const r = checked.record;
          rows.add(rowValues('access', r, { source: consumer, file: null, position: rec.ordinal, fallbackId: rec.ref }));
          const t = Date.parse(String(r.occurred_at));
          days.add(String(r.occurred_at).slice(0, 10));
          if (t < min) min = t;
          if (t > max) max = t;
        }
        await partitions.ensure(days);
        const result: PullResult = {
          records: rows.count,
          inserted: 0,
          rejected: rejected.length,
          window: rows.count ? { start: new Date(min - input.lookbackMs).toISOString(), end: new Date(max + 1).toISOString() } : null,
          oldestReceivedAt: Math.min(...records.map((r) => r.receivedAt)),
        };
        const client = await deps.pool.connect();
        try {
          const loader = new ChunkLoader(client, 'access', consumer, consumer, ctx.info.workflowExecution?.workflowId ?? consumer);
          result.inserted = await loader.load({
            rows,
            rejected,
            commitWith: async (c, inserted) => {
              await reader.checkpoint(c, records);
              await c.query(
                `insert into govflow.stream_batches (batch_id, consumer, records, inserted, rejected, window_start, window_end, oldest_received_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)`,
                [input.batchId, consumer, result.records, inserted, result.rejected, result.window?.start ?? null, result.window?.end ?? null, result.oldestReceivedAt],
              );
            },
          });
        } finally {
          client.release();
        }
        return result;
      } finally {
        await reader.close();
      }
    },
  };
}
