import { z } from 'zod';
import { TCString } from '@iabtechlabtcf/core';
import { splitCsvLine } from './csv';
import { bad, parseJson, skip, type Format, type Parsed } from './types';

// Consent records that carry an IAB TCF v2 TC string, decoded with the IAB's own library into one
// consent event per purpose the policy maps (options.purposes: TCF purpose number → policy purpose).
// A purpose the string does not consent to is a refusal: it is recorded as not granted.
// Input is JSON Lines ({"user_id", "tc_string", "time"}) or, with options.delimiter, a table with
// a header whose column names options.columns maps.

const options = z.strictObject({
  purposes: z.record(z.string().regex(/^\d+$/, 'expected a TCF purpose number'), z.string(), {
    message: 'expected a mapping of TCF purpose number to policy purpose, e.g. {"1": "storage", "7": "analytics"}',
  }),
  delimiter: z.string().length(1).optional(),
  columns: z
    .strictObject({ tc_string: z.string().default('tc_string'), user_id: z.string().default('user_id'), time: z.string().optional() })
    .prefault({}),
});

interface TcfInput {
  tc_string?: unknown;
  user_id?: unknown;
  time?: unknown;
  event_id?: unknown;
}

export function decodeConsents(tcString: string): { purposeConsents: number[]; lastUpdated?: string; cmpId: number; version: number } {
  const tc = TCString.decode(tcString);
  const purposeConsents: number[] = [];
  tc.purposeConsents.forEach((granted, id) => {
    if (granted) purposeConsents.push(id);
  });
  return { purposeConsents, lastUpdated: tc.lastUpdated?.toISOString(), cmpId: Number(tc.cmpId), version: Number(tc.version) };
}

export const tcfFormat: Format<typeof options> = {
  name: 'tcf',
  kinds: ['consent'],
  options,
  create(o) {
    let header: string[] | undefined;
    const readRow = (text: string, position: number): TcfInput | Parsed => {
      if (!o.delimiter) {
        const j = parseJson(text);
        if ('error' in j) return bad(j.error);
        if (!j.value || typeof j.value !== 'object' || Array.isArray(j.value)) return bad('not a JSON object');
        return j.value as TcfInput;
      }
      const cells = splitCsvLine(text, o.delimiter);
      if (!cells) return bad('malformed row');
      if (position === 1 || !header) {
        header = cells;
        return skip('header');
      }
      const col = (name: string | undefined) => (name && header!.includes(name) ? cells[header!.indexOf(name)] : undefined);
      return { tc_string: col(o.columns.tc_string), user_id: col(o.columns.user_id), time: col(o.columns.time) };
    };

    return {
      header: Boolean(o.delimiter),
      parse(text, position): Parsed {
        const row = readRow(text, position);
        if ('ok' in row) return row as Parsed;
        const input = row as TcfInput;
        if (typeof input.tc_string !== 'string' || input.tc_string === '') return bad('missing field "tc_string"');
        let decoded;
        try {
          decoded = decodeConsents(input.tc_string);
        } catch (err) {
          return bad(`undecodable TC string: ${(err as Error).message}`);
        }
        const granted = new Set(decoded.purposeConsents);
        const evidence = `tcf v${decoded.version} cmp ${decoded.cmpId}`;
        const time = input.time ?? decoded.lastUpdated;
        const baseId = typeof input.event_id === 'string' ? input.event_id : undefined;
        return {
          ok: true,
          objects: Object.entries(o.purposes).map(([n, purpose]) => ({
            event_id: baseId ? `${baseId}:p${n}` : undefined,
            user_id: input.user_id,
            purpose,
            granted: granted.has(Number(n)),
            time,
            evidence,
            signal: 'tcf',
          })),
        };
      },
    };
  },
};
