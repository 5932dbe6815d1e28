import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb, createPool, type Db } from '../../db/pool';
import { cloneTestDatabase } from '../support/harness';
import { grantedSpansCtes, inGrantedSpan } from '../../consent/surely-granted';

// The consent step skips govflow.consent_bounds_at for accesses inside a span where a grant
// surely held (consent/surely-granted.ts). Over random ledgers — grants, refusals and GPC
// headers, every timestamp precision, ties at the same instant, accesses at and around each
// signal's edges — "inside a granted span" must equal consent_bounds_at(...).surely for every
// access: a span too wide would hide a violation, one too narrow only costs time.

const PRECISIONS = ['day', 'minute', 'second', 'decisecond', 'centisecond', 'millisecond', 'microsecond'] as const;
const BASE = Date.parse('2026-11-02T10:00:00Z');

let pool: pg.Pool;
let db: Db;
beforeAll(async () => {
  pool = createPool(await cloneTestDatabase(), 2);
  db = createDb(pool);
});
afterAll(async () => {
  await db?.destroy();
});

const signal = fc.record({
  granted: fc.boolean(),
  gpc: fc.boolean(),
  // Offsets in ms from BASE, some equal (ties), over two days so 'day' stamps overlap others.
  at: fc.oneof(fc.integer({ min: -86_400_000, max: 86_400_000 }), fc.constantFrom(0, 1, 100, 60_000)),
  precision: fc.constantFrom(...PRECISIONS),
  purpose: fc.constantFrom('analytics', 'advertising'),
});

describe('granted spans equal consent_bounds_at(...).surely', () => {
  it('for random ledgers of one person and two purposes, at and around every signal', async () => {
    let trial = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(signal, { minLength: 0, maxLength: 6 }), fc.array(fc.integer({ min: -90_000_000, max: 90_000_000 }), { maxLength: 5 }), async (signals, extra) => {
        const subject = `user-${trial++}`;
        if (signals.length) {
          await sql`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, signal, occurred_at, occurred_precision)
            select 'cmp', x.event_id, ${subject}, x.purpose, x.granted, x.signal, x.at, x.precision
            from jsonb_to_recordset(${JSON.stringify(signals.map((s, i) => ({
              event_id: `${subject}-${i}`, granted: s.granted, signal: s.gpc ? 'gpc' : 'explicit',
              at: new Date(BASE + s.at).toISOString(), precision: s.precision, purpose: s.purpose,
            })))}::jsonb) as x(event_id text, granted boolean, signal text, at timestamptz, precision text, purpose text)`.execute(db);
        }
        // Accesses at each signal's stamp, just before and after it, at the end of its precision, and anywhere.
        const instants = new Set<string>();
        for (const s of signals) for (const d of [-1, 0, 1, 99, 100, 999, 1000, 59_999, 60_000, 86_399_999, 86_400_000]) instants.add(new Date(BASE + s.at + d).toISOString());
        for (const e of extra) instants.add(new Date(BASE + e).toISOString());
        const { rows } = await sql<{ at: string; spans: boolean; surely: boolean | null }>`
          with accesses as (
            select ${subject}::text as subject_id, p as purpose, t::timestamptz as occurred_at
            from unnest(${[...instants]}::text[]) t cross join unnest(array['analytics', 'advertising']) p
          ), ${grantedSpansCtes(['analytics', 'advertising'])}
          select a.purpose || ' ' || a.occurred_at::text as at, ${inGrantedSpan('a')} as spans, k.surely
          from accesses a cross join lateral govflow.consent_bounds_at(a.subject_id, a.purpose, a.occurred_at) k`.execute(db);
        for (const r of rows) expect({ at: r.at, spans: r.spans }).toEqual({ at: r.at, spans: r.surely === true });
      }),
      { numRuns: 150, seed: 20261130 },
    );
  });

  it('a grant stamped with the day does not span the rest of its day; a later withdrawal ends the span', async () => {
    await sql`insert into govflow.consent_events (source, event_id, subject_id, purpose, granted, signal, occurred_at, occurred_precision) values
      ('cmp', 'd-1', 'user-day', 'analytics', true, 'explicit', '2026-11-02T00:00:00Z', 'day'),
      ('cmp', 'd-2', 'user-day', 'analytics', false, 'explicit', '2026-11-04T08:00:00Z', 'second')`.execute(db);
    const { rows } = await sql<{ at: string; spans: boolean }>`
      with accesses as (
        select 'user-day'::text as subject_id, 'analytics'::text as purpose, t::timestamptz as occurred_at
        from unnest(array['2026-11-02T10:40:00Z', '2026-11-03T10:40:00Z', '2026-11-04T09:00:00Z']) t
      ), ${grantedSpansCtes(['analytics'])}
      select to_char(a.occurred_at at time zone 'UTC', 'MM-DD') as at, ${inGrantedSpan('a')} as spans from accesses a order by 1`.execute(db);
    expect(rows).toEqual([{ at: '11-02', spans: false }, { at: '11-03', spans: true }, { at: '11-04', spans: false }]);
  });
});
