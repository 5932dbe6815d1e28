import { sql, type Kysely } from 'kysely';

// Stream mode: an append-only table that is govflow's own stream (fed by `govflow stream push`
// and the Lambda handler), the checkpoints of every stream consumer (one row per shard, written in
// the same transaction as the rows they cover), and the batches consumers committed.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table govflow.stream_events (
      seq         bigserial primary key,
      stream      text not null default 'default',
      -- Where the record came from, when that has an identity (a Kinesis sequence number):
      -- a Lambda retry of the same batch appends nothing twice.
      source_ref  text unique,
      payload     text not null,
      received_at timestamptz not null default clock_timestamp()
    )`.execute(db);
  await sql`create index stream_events_stream_seq on govflow.stream_events (stream, seq)`.execute(db);

  await sql`
    create table govflow.stream_checkpoints (
      consumer   text not null,
      shard      text not null,
      position   text not null,
      updated_at timestamptz not null default now(),
      primary key (consumer, shard)
    )`.execute(db);

  // What each pull committed, under the id the workflow gave it: a pull retried after its
  // worker died (rows committed, result never delivered) answers with the same batch instead
  // of taking the next one, so no committed batch goes ungoverned.
  await sql`
    create table govflow.stream_batches (
      batch_id           text primary key,
      consumer           text not null,
      records            integer not null,
      inserted           integer not null,
      rejected           integer not null,
      window_start       timestamptz,
      window_end         timestamptz,
      oldest_received_at double precision,
      created_at         timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table govflow.stream_batches`.execute(db);
  await sql`drop table govflow.stream_checkpoints`.execute(db);
  await sql`drop table govflow.stream_events`.execute(db);
}
