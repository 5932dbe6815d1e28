import type pg from 'pg';
import { createPool } from '../db/pool';
import { loadEnv } from '../config/config';
import { appendToStream } from '../ingest/stream/append';

// An AWS Lambda handler for a Kinesis trigger: it appends each record of the event (base64 in
// Records[].kinesis.data) to govflow's stream table, keyed by the record's sequence number, so a
// retried batch appends nothing twice. streamGovernance then governs it like any other stream
// record. Deploy with DATABASE_URL set; GOVFLOW_STREAM names the stream (default "default").

export interface KinesisEventRecord {
  eventID?: string;
  eventSourceARN?: string;
  kinesis: { data: string; sequenceNumber: string; partitionKey?: string; approximateArrivalTimestamp?: number };
}

export interface KinesisEvent {
  Records: KinesisEventRecord[];
}

let pool: pg.Pool | undefined;

export async function handleKinesisEvent(event: KinesisEvent, db?: pg.Pool): Promise<{ appended: number; received: number }> {
  const p = db ?? (pool ??= createPool(loadEnv().databaseUrl, 2));
  const stream = process.env.GOVFLOW_STREAM ?? 'default';
  const records = event.Records.map((r) => ({
    payload: Buffer.from(r.kinesis.data, 'base64').toString('utf8'),
    ref: `kinesis:${r.eventSourceARN ?? ''}:${r.kinesis.sequenceNumber}`,
  }));
  return { appended: await appendToStream(p, stream, records), received: records.length };
}

/** The Lambda entry point. Throwing makes Lambda retry the batch, which the ref makes harmless. */
export const handler = (event: KinesisEvent) => handleKinesisEvent(event);
