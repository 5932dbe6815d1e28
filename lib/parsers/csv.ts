import { z } from 'zod';
import { bad, one, skip, type Format } from './types';

// CSV with a header line and a column mapping onto govflow's canonical fields, e.g.
//   options: { columns: { time: "Event DateTime", principal: "User ID", source_ip: "Source IP" },
//              constants: { action: "s3:ListObjects", outcome: "denied" } }
// Fields not mapped are left empty; `constants` fill fields the file has no column for.
// Quoted fields may contain commas and doubled quotes; a record must fit on one line.

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
  create(o) {
    let header: string[] | undefined;
    let index: Array<[string, number]> = [];
    return {
      parse(text, position) {
        const cells = splitCsvLine(text, o.delimiter);
        if (!cells) return bad('malformed CSV (unterminated quote or stray character after a quote)');
        if (position === 1 || !header) {
          header = cells.map((c) => c.trim());
          const missing = Object.entries(o.columns).filter(([, col]) => !header!.includes(col));
          if (missing.length) return bad(`header lacks column(s) ${missing.map(([, c]) => `"${c}"`).join(', ')}`);
          index = Object.entries(o.columns).map(([field, col]) => [field, header!.indexOf(col)]);
          return skip('header');
        }
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
