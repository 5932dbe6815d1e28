import { z } from 'zod';
import { bad, one, parseObject, type Format } from './types';

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
        const j = parseObject(text, o.field);
        return 'error' in j ? bad(j.error) : one(j.value);
      },
    };
  },
};
