import { z } from 'zod';
import { bad, one, parseJson, pick, type Format } from './types';

// Canonical JSON Lines: one object per line with govflow's own field names (see examples/).
// `options.field` unwraps an envelope, e.g. {"log": {...}}.

const options = z.strictObject({ field: z.string().optional() }).prefault({});

export const jsonlFormat: Format<typeof options> = {
  name: 'jsonl',
  kinds: ['access', 'consent', 'audit'],
  options,
  create(o) {
    return {
      parse(text) {
        const j = parseJson(text);
        if ('error' in j) return bad(j.error);
        const obj = o.field ? pick(j.value, o.field) : j.value;
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return bad(o.field ? `no object at "${o.field}"` : 'not a JSON object');
        return one(obj as Record<string, unknown>);
      },
    };
  },
};
