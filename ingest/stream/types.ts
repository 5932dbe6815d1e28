import type pg from 'pg';

/** One record read from a stream, before it is checked: its text and where it sits. */
export interface StreamRecord {
  shard: string;
  position: string; // the shard's position after this record (a seq, a Kinesis sequence number)
  text: string;
  /** A stable identity for records without an event_id of their own. */
  ref: string;
  /** A number for rejected_records.position where the stream has one (the Postgres seq). */
  ordinal: number | null;
  receivedAt: number; // ms since epoch: when the stream received it (for latency figures)
}

export interface StreamReader {
  /** Up to `limit` records after the committed checkpoints; empty when nothing is new. */
  read(limit: number): Promise<StreamRecord[]>;
  /** Writes the positions of the records just loaded, inside the loading transaction. */
  checkpoint(client: pg.PoolClient, records: StreamRecord[]): Promise<void>;
  close(): Promise<void>;
}

export async function saveCheckpoints(client: pg.PoolClient, consumer: string, records: StreamRecord[]): Promise<void> {
  const last = new Map<string, string>();
  for (const r of records) last.set(r.shard, r.position);
  for (const [shard, position] of last) {
    await client.query(
      `insert into govflow.stream_checkpoints (consumer, shard, position) values ($1, $2, $3)
       on conflict (consumer, shard) do update set position = excluded.position, updated_at = now()`,
      [consumer, shard, position],
    );
  }
}
