import type pg from 'pg';

// Appends records to govflow's own stream (govflow.stream_events): from `govflow stream push`,
// and from the Lambda handler for Kinesis. A record with a `ref` (a Kinesis sequence number) is
// appended once, however often its batch is delivered.

export interface StreamAppend {
  payload: string;
  ref?: string;
}

export async function appendToStream(pool: pg.Pool, stream: string, records: StreamAppend[]): Promise<number> {
  let appended = 0;
  for (let i = 0; i < records.length; i += 5000) {
    const slice = records.slice(i, i + 5000);
    const r = await pool.query(
      `insert into govflow.stream_events (stream, source_ref, payload)
       select $1, ref, payload from jsonb_to_recordset($2::jsonb) as r(ref text, payload text)
       on conflict (source_ref) do nothing`,
      [stream, JSON.stringify(slice.map((s) => ({ ref: s.ref ?? null, payload: s.payload })))],
    );
    appended += r.rowCount ?? 0;
  }
  return appended;
}
