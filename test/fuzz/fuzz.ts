import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { FORMATS } from '../../ingest/formats';
import { readLines, DEFAULT_MAX_LINE_BYTES } from '../../ingest/line-reader';
import { CopyRows, storable, storableText, suspectText } from '../../ingest/copy-text';
import { rowValues } from '../../ingest/tables';
import { parseLine, PARSER_FAILED } from '../../ingest/parse-line';
import { recordCheckers } from '../../ingest/record-checkers';
import { loadPolicy } from '../../policy/policy';
import type { SourceKind } from '../../config/config';

// Fuzzing of every file format: lines from real samples (../shared/data/public, examples/),
// mutated the ways real files go wrong — cut short, bad UTF-8, huge fields, separators, newlines
// and control characters where they do not belong, JSON values of the wrong type, nulls, deep
// nesting, numbers as strings — run through what ingest runs (the line reader, the format's
// parser, the record check, the COPY encoding). What must hold: nothing throws, and every line is
// accounted for as loaded records, quarantined (with a reason) or skipped. Formats come from the
// registry, so a format added later is fuzzed too (with the generic seeds and its default
// options, unless it has an entry in SAMPLES).

const PUBLIC = resolve('..', 'shared', 'data', 'public');
const policy = loadPolicy('policy.yaml').policy;
const CHECKERS = recordCheckers(policy);

export interface FuzzTarget {
  format: string;
  kind: SourceKind;
  options: unknown;
  seeds: string[];
}

const linesOf = (path: string, max = 200): string[] =>
  readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(0, max);
const filesIn = (dir: string, ext: string) => readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => join(dir, f));

/** Real samples and working options for the formats govflow ships. */
const SAMPLES: Record<string, () => Omit<FuzzTarget, 'format'>> = {
  jsonl: () => ({ kind: 'access', options: {}, seeds: linesOf('examples/access-log.jsonl') }),
  csv: () => ({
    kind: 'audit',
    options: {
      columns: { event_id: 'Event ID', time: 'Event DateTime', actor: 'User ID', action: 'Event Name', source_ip: 'Source IP' },
      constants: { outcome: 'success' },
    },
    seeds: linesOf(join(PUBLIC, 'otrf-security-datasets/AWS_S3_HoneyBucketLogs.csv')),
  }),
  combined: () => ({ kind: 'access', options: { purpose: 'service_delivery' }, seeds: linesOf(join(PUBLIC, 'nielsbasjes-logparser/hackers-access.log')) }),
  sshd: () => ({ kind: 'audit', options: { year: 2024 }, seeds: linesOf(join(PUBLIC, 'elastic-examples/auth.log'), 400) }),
  cloudtrail: () => ({ kind: 'audit', options: {}, seeds: linesOf(join(PUBLIC, 'otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json')) }),
  'k8s-audit': () => ({ kind: 'audit', options: {}, seeds: filesIn(join(PUBLIC, 'falco-k8s-audit'), '.json').flatMap((f) => linesOf(f, 5)) }),
  tcf: () => ({
    kind: 'consent',
    options: { delimiter: '\t', purposes: { '1': 'service_delivery', '7': 'analytics' }, columns: { user_id: 'source_line' } },
    seeds: linesOf(join(PUBLIC, 'iabtcf-es/tc_strings.tsv')),
  }),
};

/** One target per registered format. Throws for a format whose default options are invalid and that has no SAMPLES entry. */
export function fuzzTargets(): FuzzTarget[] {
  const generic = [...SAMPLES.jsonl!().seeds.slice(0, 50), ...SAMPLES.sshd!().seeds.slice(0, 50), ...SAMPLES.cloudtrail!().seeds.slice(0, 20)];
  return Object.values(FORMATS).map((f) => {
    if (SAMPLES[f.name]) return { format: f.name, ...SAMPLES[f.name]!() };
    const options = f.options.safeParse({});
    if (!options.success) throw new Error(`fuzz: format "${f.name}" needs options: add it to SAMPLES in test/fuzz/fuzz.ts`);
    return { format: f.name, kind: f.kinds[0]!, options: {}, seeds: generic };
  });
}

// ---- mutations ----

const DEEP = '\u0001deep\u0001';
const JUNK_VALUES: unknown[] = [null, '', 0, -1, 1e308, '12', 'NaN', true, false, [], {}, [[[]]], { a: null }, '\u0000', '\ud800', '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '"', '\\', 'A'.repeat(70_000)];
const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat('\u007f', '\u2028', '\ufeff');
const SEPARATORS = [',', '\t', '"', "'", ' ', '|', ';', '\n', '\r', '\r\n', '[', ']', '{', '}', ':', '=', '\\'];
const BAD_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object' && out.length < 200) {
    for (const [k, c] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(c, p, out);
    }
  }
  return out;
}
function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
  return root;
}

type Mutation = (line: Buffer, r: () => number) => Buffer;
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const insertAt = (b: Buffer, at: number, piece: Buffer) => Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);

const TEXT_MUTATIONS: Record<string, Mutation> = {
  truncate: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  badUtf8: (b, r) => insertAt(b, Math.floor(r() * (b.length + 1)), Buffer.from(pick(BAD_UTF8, r))),
  hugeField: (b, r) => {
    const at = Math.floor(r() * (b.length + 1));
    const n = r() < 0.05 ? DEFAULT_MAX_LINE_BYTES + 10 : Math.floor(r() * 20_000);
    return insertAt(b, at, Buffer.alloc(n, pick(['a', '9', ' ', '"', ','], r)));
  },
  separator: (b, r) => insertAt(b, Math.floor(r() * (b.length + 1)), Buffer.from(pick(SEPARATORS, r))),
  control: (b, r) => insertAt(b, Math.floor(r() * (b.length + 1)), Buffer.from(pick(CONTROL, r))),
  duplicateSlice: (b, r) => {
    const s = Math.floor(r() * b.length);
    return insertAt(b, s, b.subarray(s, s + Math.floor(r() * 40)));
  },
};

const JSON_MUTATIONS: Record<string, (v: unknown, r: () => number) => unknown> = {
  wrongType: (v, r) => {
    const ps = paths(v);
    return ps.length ? setAt(v, pick(ps, r), pick(JUNK_VALUES, r)) : pick(JUNK_VALUES, r);
  },
  deepNesting: (v, r) => {
    // Written as text below (JSON.stringify itself gives up long before a parser must).
    const ps = paths(v);
    return ps.length ? setAt(v, pick(ps, r), DEEP) : DEEP;
  },
  numbersAsStrings: (v) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' ? String(x) : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x))),
  dropKey: (v, r) => {
    const ps = paths(v).filter((p) => typeof p[p.length - 1] === 'string');
    if (!ps.length) return v;
    const p = pick(ps, r);
    const parent = p.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v) as Record<string, unknown>;
    delete parent[p[p.length - 1] as string];
    return v;
  },
  notAnObject: (v, r) => pick([[v], String(JSON.stringify(v)), 42, null], r),
};

/** A fast-check arbitrary of mutated lines (bytes) grown from `seeds`: 1–3 mutations each. */
export function mutatedLine(seeds: string[]): fc.Arbitrary<Buffer> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      steps: fc.array(fc.constantFrom(...Object.keys(TEXT_MUTATIONS), ...Object.keys(JSON_MUTATIONS)), { minLength: 1, maxLength: 3 }),
      noise: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ seed, steps, noise }) => {
      // A small PRNG from the drawn integer: fast-check shrinks `noise` and `steps`, and replays by seed.
      let s = noise;
      const r = () => ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) / 0x80000000);
      let buf: Buffer = Buffer.from(seed);
      for (const step of steps) {
        const json = JSON_MUTATIONS[step];
        if (!json) {
          buf = TEXT_MUTATIONS[step]!(buf, r);
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(buf.toString('utf8'));
        } catch {
          buf = TEXT_MUTATIONS.separator!(buf, r); // not JSON (any more): a text mutation instead
          continue;
        }
        let text: string;
        try {
          text = JSON.stringify(json(value, r)) ?? 'null';
        } catch {
          continue; // too deep to re-serialise (an earlier step nested it): keep it as it is
        }
        if (text.includes(JSON.stringify(DEEP))) {
          const depth = Math.floor(r() * 20_000);
          const open = r() < 0.5 ? '[' : '{"d":';
          const close = open === '[' ? ']' : '}';
          text = text.replace(JSON.stringify(DEEP), `${open.repeat(depth)}"x"${close.repeat(depth)}`);
        }
        buf = Buffer.from(text);
      }
      return buf;
    });
}

// ---- the ingest path, without a database ----

export interface FuzzStats {
  lines: number;
  loaded: number;
  rejected: number;
  skipped: number;
  /** Lines that parsed to no record at all (e.g. an empty CloudTrail Records array). */
  empty: number;
  crashes: Array<{ position: number; error: string }>;
  /** Lines quarantined because the parser threw (caught by ingest; worth a look by the format's owner). */
  parserFailures: Record<string, number>;
  /** Lines whose outcome was not exactly one of the above, or a rejection without a reason. */
  unaccounted: number;
}

/**
 * Runs a file through the line reader, the format's parser, the record check, the storability
 * check and the COPY encoding, as ingest/file-source.ts does, counting every line's outcome.
 */
export async function ingestPath(target: FuzzTarget, path: string): Promise<FuzzStats> {
  const f = FORMATS[target.format]!;
  const parser = f.create(f.options.parse(target.options), target.kind);
  const check = CHECKERS[target.kind];
  const rows = new CopyRows();
  const st: FuzzStats = { lines: 0, loaded: 0, rejected: 0, skipped: 0, empty: 0, crashes: [], parserFailures: {}, unaccounted: 0 };
  const reasoned = (reason: unknown) => {
    if (typeof reason === 'string' && reason.trim().length > 0) st.rejected += 1;
    else st.unaccounted += 1;
    if (typeof reason === 'string' && reason.startsWith(PARSER_FAILED)) st.parserFailures[reason] = (st.parserFailures[reason] ?? 0) + 1;
  };
  for await (const line of readLines(path)) {
    if ('text' in line && line.text.trim() === '') continue; // blank lines are not records
    st.lines += 1;
    if ('problem' in line) {
      st.rejected += 1;
      continue;
    }
    try {
      const parsed = parseLine(parser, line.text, line.position);
      if (parsed.ok === 'skip') {
        if (parsed.reason) st.skipped += 1;
        else st.unaccounted += 1;
      } else if (parsed.ok === false) {
        reasoned(parsed.reason);
      } else if (parsed.ok === true && Array.isArray(parsed.objects)) {
        if (parsed.objects.length === 0) st.empty += 1;
        for (const obj of parsed.objects) {
          const c = check(obj);
          const bad = c.ok && suspectText(line.text) ? storable(c.record as unknown as Record<string, unknown>) : undefined;
          if (!c.ok || bad) {
            reasoned(storableText(c.ok ? bad! : c.reason));
            continue;
          }
          const unstored = rows.tryAdd(rowValues(target.kind, c.record, { source: 'fuzz', file: path, position: line.position, fallbackId: `f:${line.start}` }));
          if (unstored) reasoned(unstored);
          else st.loaded += 1;
        }
      } else {
        st.unaccounted += 1;
      }
    } catch (err) {
      st.crashes.push({ position: line.position, error: String((err as Error)?.stack ?? err).slice(0, 500) });
    }
  }
  return st;
}

/** Writes mutated lines (each newline-terminated) to `path`; returns how many bytes. */
export function writeLines(path: string, lines: Buffer[]): number {
  const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  writeFileSync(path, body);
  return body.length;
}

/** `n` mutated lines for a target, reproducibly from `seed`. */
export function sampleLines(target: FuzzTarget, n: number, seed: number): Buffer[] {
  const header = target.format === 'csv' || target.format === 'tcf' ? [Buffer.from(target.seeds[0]!)] : [];
  return [...header, ...fc.sample(mutatedLine(target.seeds.slice(header.length)), { seed, numRuns: n })];
}
