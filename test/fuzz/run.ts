import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzTargets, ingestPath, sampleLines, writeLines } from './fuzz';

// npm run fuzz -- [--lines 10000] [--seed N] [--format NAME]
// Fuzzes every registered format with N mutated lines each (see test/fuzz/fuzz.ts) through the
// ingest path without a database and prints a table: lines, loaded, quarantined, skipped,
// records-less lines, parser failures (quarantined), crashes, and whether every line is accounted
// for. Exit code 1 on any crash or unaccounted line. The seed is printed: pass it back to replay.

const { values } = parseArgs({ options: { lines: { type: 'string', default: '10000' }, seed: { type: 'string' }, format: { type: 'string' } } });
const n = Number(values.lines);
const seed = values.seed ? Number(values.seed) : Date.now() % 0x7fffffff;
const dir = mkdtempSync(join(tmpdir(), 'govflow-fuzz-'));
console.log(`fuzz: ${n} lines per format, seed ${seed} (replay: npm run fuzz -- --lines ${n} --seed ${seed})`);
console.log('format      lines  loaded  quarantined  skipped  no-record  parser-failed  crashes  accounted   seconds');
let failed = false;
for (const target of fuzzTargets()) {
  if (values.format && target.format !== values.format) continue;
  const file = join(dir, `${target.format}.log`);
  writeLines(file, sampleLines(target, n, seed));
  const t0 = performance.now();
  const st = await ingestPath(target, file);
  const seconds = (performance.now() - t0) / 1000;
  const parserFailed = Object.values(st.parserFailures).reduce((a, b) => a + b, 0);
  // Every line once: as records (several per line for some formats), quarantined, skipped, or none.
  const accounted = st.unaccounted === 0 && st.crashes.length === 0 && st.loaded + st.rejected + st.skipped + st.empty >= st.lines;
  failed ||= !accounted;
  console.log(
    [target.format.padEnd(10), st.lines, st.loaded, st.rejected, st.skipped, st.empty, parserFailed, st.crashes.length, accounted ? 'yes' : 'NO', seconds.toFixed(1)]
      .map((v, i) => (i === 0 ? v : String(v).padStart(i === 3 ? 12 : i === 6 ? 14 : 8)))
      .join(' '),
  );
  for (const c of st.crashes.slice(0, 3)) console.log(`  crash at line ${c.position}: ${c.error.split('\n')[0]}`);
  for (const [reason, k] of Object.entries(st.parserFailures).slice(0, 3)) console.log(`  ${k} × ${reason}`);
  void statSync(file);
}
process.exit(failed ? 1 : 0);
