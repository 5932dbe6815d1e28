import type pg from 'pg';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { saveCheckpoints, type StreamReader, type StreamRecord } from './types';

// AWS Kinesis Data Streams: every shard is read after its checkpointed sequence number. Shard
// iterators are cached between reads of one activity; a new activity (a restart, a retry) starts
// again from the checkpoints in Postgres, so nothing committed is read twice and nothing
// uncommitted is lost.

export function kinesisClient(opts: { region?: string; endpoint?: string }): KinesisClient {
  return new KinesisClient({
    region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    // HTTP/1.1: the SDK's default HTTP/2 handler is only needed for SubscribeToShard.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
  });
}

export function kinesisStreamReader(pool: pg.Pool, consumer: string, streamName: string, client: KinesisClient): StreamReader {
  const iterators = new Map<string, string | undefined>();

  async function shardIterators(): Promise<Map<string, string | undefined>> {
    if (iterators.size) return iterators;
    const { rows } = await pool.query('select shard, position from govflow.stream_checkpoints where consumer = $1', [consumer]);
    const committed = new Map(rows.map((r) => [r.shard as string, r.position as string]));
    const shards = await client.send(new ListShardsCommand({ StreamName: streamName }));
    for (const shard of shards.Shards ?? []) {
      const after = committed.get(shard.ShardId!);
      const type: ShardIteratorType = after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON';
      const it = await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: type, ...(after ? { StartingSequenceNumber: after } : {}) }),
      );
      iterators.set(shard.ShardId!, it.ShardIterator);
    }
    return iterators;
  }

  return {
    async read(limit) {
      const out: StreamRecord[] = [];
      const its = await shardIterators();
      for (const [shard, iterator] of its) {
        if (!iterator || out.length >= limit) continue;
        const r = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit - out.length) }));
        its.set(shard, r.NextShardIterator);
        for (const rec of r.Records ?? []) {
          out.push({
            shard,
            position: rec.SequenceNumber!,
            text: Buffer.from(rec.Data ?? new Uint8Array()).toString('utf8'),
            ref: `${shard}:${rec.SequenceNumber}`,
            ordinal: null,
            receivedAt: rec.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
          });
        }
      }
      return out;
    },
    checkpoint: (c, records) => saveCheckpoints(c, consumer, records),
    async close() {
      client.destroy();
    },
  };
}
