import type pg from 'pg';
import { saveCheckpoints, type StreamReader, type StreamRecord } from './types';

// govflow's own stream: govflow.stream_events, read in seq order after the consumer's checkpoint.

export function postgresStreamReader(pool: pg.Pool, consumer: string, stream: string): StreamReader {
  return {
    async read(limit) {
      const { rows } = await pool.query(
        `select s.seq, s.payload, extract(epoch from s.received_at) * 1000 as received
         from govflow.stream_events s
         where s.stream = $1
           and s.seq > coalesce((select position::bigint from govflow.stream_checkpoints where consumer = $2 and shard = 'seq'), 0)
         order by s.seq limit $3`,
        [stream, consumer, limit],
      );
      return rows.map(
        (r): StreamRecord => ({
          shard: 'seq',
          position: String(r.seq),
          text: r.payload,
          ref: `${stream}:${r.seq}`,
          ordinal: Number(r.seq),
          receivedAt: Number(r.received),
        }),
      );
    },
    checkpoint: (client, records) => saveCheckpoints(client, consumer, records),
    async close() {},
  };
}
