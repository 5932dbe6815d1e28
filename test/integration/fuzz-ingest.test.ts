import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { runIngestActivity } from '../support/ingest-activity';
import { fuzzTargets, ingestPath, sampleLines, writeLines } from '../fuzz/fuzz';

// Mutated lines of every format (2,000 in all) through the real ingest activity into Postgres:
// the activity does not fail, and every record is accounted for — loaded as a row or a duplicate
// of an event id already loaded, quarantined in rejected_records with a reason, or counted as
// skipped — with the same counts as the database-less path of the unit fuzz test.

// A fixed seed keeps `npm test` deterministic; FUZZ_SEED=random (or a number) explores further.
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 0x7fffffff : Number(process.env.FUZZ_SEED ?? 20261130);
const targets = fuzzTargets();
const PER_FORMAT = Math.ceil(2000 / targets.length);
const dir = mkdtempSync(join(tmpdir(), 'govflow-fuzz-ingest-'));
const files = targets.map((t) => {
  const path = join(dir, `${t.format}.log`);
  writeLines(path, sampleLines(t, PER_FORMAT, SEED));
  return { target: t, path, source: `fuzz-${t.format}` };
});
const config = writeConfig(files.map((f) => ({ name: f.source, kind: f.target.kind, format: f.target.format, path: f.path, options: f.target.options })));

let db: pg.Client | undefined;
afterAll(async () => {
  await db?.end();
});

describe(`fuzzed files through the ingest activity (seed ${SEED}, replay with FUZZ_SEED=${SEED})`, () => {
  it('loads, quarantines or skips every record, and the counts add up', async () => {
    const url = await cloneTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    const result = await runIngestActivity(url, config);
    const b = result.breakdown!;
    const sumFor = (m: Record<string, number> | undefined, source: string) =>
      Object.entries(m ?? {}).filter(([k]) => k.startsWith(`${source}: `)).reduce((a, [, n]) => a + n, 0);

    for (const f of files) {
      const expected = await ingestPath(f.target, f.path);
      const table = { access: 'govflow.access_events', audit: 'govflow.audit_trail_events', consent: 'govflow.consent_events' }[f.target.kind];
      const rows = Number((await db.query(`select count(*) as n from ${table} where source = $1`, [f.source])).rows[0].n);
      const quarantined = (await db.query('select reason from govflow.rejected_records where source = $1', [f.source])).rows;
      const got = {
        format: f.target.format,
        loaded: b.recordsBySource?.[f.source] ?? 0,
        rejected: sumFor(b.rejectedByReason, f.source),
        skipped: sumFor(b.skippedByReason, f.source),
      };
      expect(got).toEqual({ format: f.target.format, loaded: expected.loaded, rejected: expected.rejected, skipped: expected.skipped });
      // read = inserted + duplicates + rejected + skipped, against the database itself.
      expect(rows + (b.duplicatesBySource?.[f.source] ?? 0)).toBe(got.loaded);
      expect(quarantined).toHaveLength(got.rejected);
      expect(quarantined.every((r) => typeof r.reason === 'string' && r.reason.length > 5)).toBe(true);
    }
    expect(result.counts!.filesFailed).toBe(0);
  });
});
