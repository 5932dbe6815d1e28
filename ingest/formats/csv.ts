import { z } from 'zod';
import type { SourceKind } from '../../config/source-kinds';
import { bad, one, skip, type Format } from './types';

// CSV with a header line and a column mapping onto govflow's canonical fields, e.g.
//   options: { columns: { time: "Event DateTime", principal: "User ID", source_ip: "Source IP" },
//              constants: { action: "s3:ListObjects", outcome: "denied" } }
// Fields not mapped are left empty; `constants` fill fields the file has no column for.
// Without `columns`, header cells that are canonical field names (any case) are read as those
// fields; a header that lacks a required one is quarantined with a reason naming what is missing,
// and so is every row under it, with the same reason (so the run's breakdown says why at once).
// Quoted fields may contain commas and doubled quotes; a record must fit on one line.

/**
 * The canonical fields a CSV header may name, per kind: those ingest/records.ts reads (check*),
 * `required` being those it rejects a record without. `details` (an object) has no CSV form.
 */
export const CANONICAL_COLUMNS: Record<SourceKind, { fields: readonly string[]; required: readonly string[] }> = {
  access: {
    fields: ['event_id', 'time', 'principal', 'subject', 'action', 'resource', 'data_category', 'purpose', 'outcome', 'source_ip', 'region', 'user_agent', 'justification', 'ticket'],
    required: ['time', 'action', 'outcome'],
  },
  audit: { fields: ['event_id', 'time', 'actor', 'action', 'target', 'outcome', 'source_ip', 'region'], required: ['time', 'action', 'outcome'] },
  consent: { fields: ['event_id', 'subject', 'purpose', 'granted', 'time', 'time_precision', 'evidence', 'signal'], required: ['subject', 'purpose', 'granted', 'time'] },
};

/** Other names a header may give a canonical field: the data subject is `subject` in every format. */
const HEADER_ALIASES: Record<string, string> = { user_id: 'subject' };

const options = z.strictObject({
  delimiter: z.string().length(1, 'expected a single character').default(','),
  columns: z.record(z.string(), z.string(), { message: 'expected a mapping of field: column header' }).default({}),
  constants: z.record(z.string(), z.union([z.string(), z.boolean()])).default({}),
}).prefault({});

export function splitCsvLine(line: string, delimiter = ','): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return undefined; // unterminated quote
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i === line.length) return out;
      if (line[i] !== delimiter) return undefined;
      i += 1;
    } else {
      const d = line.indexOf(delimiter, i);
      out.push(line.slice(i, d === -1 ? line.length : d));
      if (d === -1) return out;
      i = d + 1;
    }
  }
}

export const csvFormat: Format<typeof options> = {
  name: 'csv',
  kinds: ['access', 'consent', 'audit'],
  options,
  create(o, kind) {
    let header: string[] | undefined;
    let headerProblem: string | undefined;
    let index: Array<[string, number]> = [];
    const readHeader = (cells: string[]) => {
      header = cells.map((c) => c.trim());
      headerProblem = undefined;
      if (Object.keys(o.columns).length) {
        const missing = Object.entries(o.columns).filter(([, col]) => !header!.includes(col));
        if (missing.length) headerProblem = `header lacks column(s) ${missing.map(([, c]) => `"${c}"`).join(', ')}`;
        index = Object.entries(o.columns).map(([field, col]) => [field, header!.indexOf(col)]);
      } else {
        const canonical = CANONICAL_COLUMNS[kind];
        const lower = header.map((h) => h.toLowerCase()).map((h) => HEADER_ALIASES[h] ?? h);
        index = canonical.fields.flatMap((f): Array<[string, number]> => (lower.includes(f) ? [[f, lower.indexOf(f)]] : []));
        const missing = canonical.required.filter((f) => !lower.includes(f) && !(f in o.constants));
        if (missing.length) {
          headerProblem =
            `header lacks canonical column(s) ${missing.map((c) => `"${c}"`).join(', ')} ` +
            '(name the columns so, or map them with options.columns)';
        }
      }
    };
    return {
      header: true,
      parse(text, position) {
        const cells = splitCsvLine(text, o.delimiter);
        if (position === 1 || !header) {
          if (!cells) {
            header = [];
            headerProblem = 'malformed CSV header';
            return bad(headerProblem);
          }
          readHeader(cells);
          return headerProblem ? bad(headerProblem) : skip('header');
        }
        if (headerProblem) return bad(headerProblem);
        if (!cells) return bad('malformed CSV (unterminated quote or stray character after a quote)');
        if (cells.length !== header.length) return bad(`expected ${header.length} columns, found ${cells.length}`);
        const obj: Record<string, unknown> = { ...o.constants };
        for (const [field, i] of index) {
          const v = cells[i]!.trim();
          obj[field] = field === 'granted' ? /^(true|1|yes|granted)$/i.test(v) : v;
        }
        return one(obj);
      },
    };
  },
};
