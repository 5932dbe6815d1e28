import { FORMATS } from '../../ingest/formats';
import { readRecords } from '../../ingest/json-records';
import { recordCheckers } from '../../ingest/record-checkers';
import { loadPolicy } from '../../policy/policy';
import type { SourceKind } from '../../config/config';

/** Runs a file through a format and the record checks, as ingest does, without a database. */
export async function parseFile(path: string, format: string, kind: SourceKind, options: unknown = {}) {
  const f = FORMATS[format]!;
  const parser = f.create(f.options.parse(options), kind);
  const check = recordCheckers(loadPolicy('policy.yaml').policy)[kind];
  const records: Array<Record<string, unknown>> = [];
  const rejected: Array<{ position: number; reason: string }> = [];
  const skipped: Record<string, number> = {};
  let lines = 0;
  for await (const line of await readRecords(path, f)) {
    lines += 1;
    if ('problem' in line) {
      rejected.push({ position: line.position, reason: line.problem });
      continue;
    }
    if (!line.text.trim()) continue;
    const r = parser.parse(line.text, line.position);
    if (r.ok === 'skip') skipped[r.reason] = (skipped[r.reason] ?? 0) + 1;
    else if (r.ok === false) rejected.push({ position: line.position, reason: r.reason });
    else
      for (const o of r.objects) {
        const c = check(o);
        if (c.ok) records.push(c.record as unknown as Record<string, unknown>);
        else rejected.push({ position: line.position, reason: c.reason });
      }
  }
  return { lines, records, rejected, skipped };
}
