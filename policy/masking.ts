import { z } from 'zod';

// The policy's `masking` section: which operator each kind of personal data gets on its way
// into the analytics tables, and whose consent withdrawal keeps a person out of them.

export const MASK_OPERATORS = ['pseudonymise', 'tokenise', 'generalise', 'partial', 'redact', 'drop', 'encrypt'] as const;
export type MaskOperatorName = (typeof MASK_OPERATORS)[number];

/** Kinds of personal data the mask step meets, in columns or inside free text. */
export const DATA_KINDS = ['person_id', 'email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'timestamp', 'birth_date', 'location'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** Kinds that have a coarser form: IP → prefix, timestamp → hour, birth date → year, location → country. */
export const GENERALISABLE: readonly DataKind[] = ['ip_address', 'timestamp', 'birth_date', 'location'];

const operatorName = z.enum(MASK_OPERATORS, { message: `expected one of ${MASK_OPERATORS.join(', ')}` });
const count = z.number().int().min(0, 'expected a whole number ≥ 0').max(8, 'expected at most 8');

export const maskRuleSchema = z.union(
  [
    operatorName.transform((operator) => ({ operator, keepFirst: 0, keepLast: 0 })),
    z.strictObject({ operator: operatorName, keepFirst: count.default(0), keepLast: count.default(4) }),
  ],
  { message: `expected an operator (${MASK_OPERATORS.join(', ')}) or { operator, keepFirst, keepLast }` },
);
export type MaskRule = z.output<typeof maskRuleSchema>;

const rule = (operator: MaskOperatorName, keepLast = 0) => maskRuleSchema.default({ operator, keepFirst: 0, keepLast });

export const maskingSchema = z
  .strictObject({
    /** People whose consent for this purpose is withdrawn are left out of the analytics tables. */
    analyticsPurpose: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case purpose id').default('analytics'),
    /** Query-string parameters whose values analytics keep (after PII scrubbing); other values are redacted. */
    keepQueryParams: z.array(z.string().min(1)).default(['page', 'limit', 'offset', 'sort', 'order', 'lang']),
    /** Parameter names (in query strings and key=value text) whose values identify a person: masked as person_id. */
    identifierParams: z.array(z.string().min(1)).default(['user', 'user_id', 'uid', 'subject', 'principal', 'actor', 'account', 'email', 'name', 'customer']),
    /**
     * User agents: "generalise" rebuilds them from a parser's product, OS and device fields
     * (masking/ua.ts); "drop" stores none. "scrub" (free text minus detected PII) is no
     * longer offered, because text the detector misses would be kept: it reads as "generalise".
     */
    userAgent: z
      .enum(['generalise', 'drop', 'scrub'], { message: 'expected generalise or drop' })
      .default('generalise')
      .transform((v) => (v === 'scrub' ? 'generalise' : v)),
    /**
     * Route templates ("/api/v1/users/{id}/watch-history"): a path with a template's segment count
     * and literals keeps those literals, and its parameters show as `{name}` (masking/route-template.ts).
     */
    routes: z.array(z.string().regex(/^\//, 'expected a path starting with "/"')).default([]),
    /**
     * Learned literals: when > 0, a path word of the safe shape is kept only if at least this many
     * distinct principals requested it at that position of the path in the run's window (or a
     * declared route has it). 0: the shape alone decides.
     */
    literalMinPrincipals: z.number().int().min(0, 'expected a whole number ≥ 0').max(10_000).default(0),
    kinds: z
      .strictObject({
        person_id: rule('pseudonymise'),
        email: rule('tokenise'),
        phone: rule('redact'),
        credit_card: rule('redact'),
        iban: rule('redact'),
        us_ssn: rule('redact'),
        ip_address: rule('generalise'),
        timestamp: rule('generalise'),
        birth_date: rule('generalise'),
        location: rule('generalise'),
      })
      .prefault({})
      .superRefine((kinds, ctx) => {
        for (const [kind, r] of Object.entries(kinds)) {
          if (r.operator === 'generalise' && !GENERALISABLE.includes(kind as DataKind)) {
            ctx.addIssue({ code: 'custom', path: [kind, 'operator'], message: `"generalise" applies only to ${GENERALISABLE.join(', ')}` });
          }
        }
        // Masked rows of a person are found again (consent withdrawal, erasure) by their key,
        // so a person's id must map to one stable value.
        if (!['pseudonymise', 'tokenise'].includes(kinds.person_id.operator)) {
          ctx.addIssue({ code: 'custom', path: ['person_id', 'operator'], message: 'expected "pseudonymise" or "tokenise" (a stable key per person)' });
        }
        // Analytics buckets by hour: a timestamp column can only be made coarser, never removed.
        if (kinds.timestamp.operator !== 'generalise') {
          ctx.addIssue({ code: 'custom', path: ['timestamp', 'operator'], message: 'expected "generalise" (events are kept per hour)' });
        }
      }),
  })
  .prefault({});

export type MaskingPolicy = z.output<typeof maskingSchema>;
