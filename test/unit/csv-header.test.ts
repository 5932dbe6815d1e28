import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../ingest/formats';
import { CANONICAL_COLUMNS } from '../../ingest/formats/csv';
import { recordCheckers } from '../../ingest/record-checkers';
import { loadPolicy } from '../../policy/policy';
import type { SourceKind } from '../../config/config';

const csv = FORMATS.csv!;
const parser = (kind: SourceKind, options: unknown = {}) => csv.create(csv.options.parse(options), kind);
const checkers = recordCheckers(loadPolicy('policy.yaml').policy);

describe('csv without columns', () => {
  it('reads a header in the canonical field names (any case) as those fields; user_id is the subject', () => {
    const p = parser('consent');
    expect(p.parse('User_ID,purpose,granted,time', 1)).toEqual({ ok: 'skip', reason: 'header' });
    const r = p.parse('user-1,analytics,true,2026-11-01T10:00:00Z', 2);
    expect(r).toEqual({ ok: true, objects: [{ subject: 'user-1', purpose: 'analytics', granted: true, time: '2026-11-01T10:00:00Z' }] });
    expect(checkers.consent((r as { objects: unknown[] }).objects[0]).ok).toBe(true);
  });

  it('names the canonical columns a header lacks, on the header and on every row (constants count)', () => {
    const p = parser('audit', { constants: { outcome: 'success' } });
    const reason = 'header lacks canonical column(s) "time", "action" (name the columns so, or map them with options.columns)';
    expect(p.parse('When,Who,What', 1)).toEqual({ ok: false, reason });
    expect(p.parse('2026-11-01T10:00:00Z,alice,login', 2)).toEqual({ ok: false, reason });
  });

  it('lists only fields the record checks read, and their required ones', () => {
    for (const [kind, { fields, required }] of Object.entries(CANONICAL_COLUMNS) as Array<[SourceKind, (typeof CANONICAL_COLUMNS)['access']]>) {
      const full = Object.fromEntries(fields.map((f) => [f, f === 'granted' ? true : f === 'time' ? '2026-11-01T10:00:00Z' : f === 'outcome' ? 'success' : f === 'purpose' ? 'analytics' : f === 'source_ip' ? '192.0.2.1' : f === 'signal' ? 'explicit' : f === 'time_precision' ? 'second' : 'x']));
      expect(checkers[kind](full).ok).toBe(true);
      for (const f of required) expect(checkers[kind]({ ...full, [f]: undefined }).ok).toBe(false);
    }
  });
});
