import { z } from 'zod';
import { DATA_CATEGORIES, DATA_KINDS, type DataKind } from '../masking/data-categories';

// The policy's `masking` section: which operator each kind of personal data gets on its way
// into the analytics tables, and whose consent withdrawal keeps a person out of them.

export const MASK_OPERATORS = ['pseudonymise', 'tokenise', 'generalise', 'partial', 'redact', 'drop', 'encrypt'] as const;
export type MaskOperatorName = (typeof MASK_OPERATORS)[number];

/** Kinds of personal data the mask task meets, in columns or inside free text (masking/data-categories.ts). */
export { DATA_KINDS, type DataKind };

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

const category = (kind: DataKind): string => DATA_CATEGORIES[kind].fideslang;

/** What each kind gets when the policy does not say. */
const DEFAULT_OPERATOR: Record<DataKind, MaskOperatorName> = {
  person_id: 'pseudonymise', email: 'tokenise', phone: 'redact', credit_card: 'redact', iban: 'redact', us_ssn: 'redact',
  ip_address: 'generalise', timestamp: 'generalise', birth_date: 'generalise', location: 'generalise',
};

const rule = (operator: MaskOperatorName, keepLast = 0) => maskRuleSchema.default({ operator, keepFirst: 0, keepLast });

export const maskingSchema = z
  .strictObject({
    /** People whose consent for this purpose is withdrawn are left out of the analytics tables. */
    analyticsPurpose: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case purpose id').default('analytics'),
    /** Query-string parameters whose values analytics keep (after PII scrubbing); other values are redacted. */
    keepQueryParams: z.array(z.string().min(1)).default(['page', 'limit', 'offset', 'sort', 'order', 'lang']),
    /** Parameter names (in query strings and key=value text) whose values identify a person: masked as person_id. */
    identifierParams: z
      .array(z.string().min(1))
      .default([
        'user', 'user_id', 'uid', 'username', 'user_name', 'login', 'subject', 'principal', 'actor', 'account', 'email',
        'email_address', 'name', 'full_name', 'display_name', 'first_name', 'last_name', 'customer', 'owner', 'assignee',
        'author', 'member', 'recipient',
      ]),
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
    /**
     * One operator per kind of personal data, keyed by its fideslang category
     * (`user.contact.email: tokenise`). The short names of earlier policies (`email`) still work,
     * with a one-line deprecation warning. Parsed into short ids (DataKind) for the code.
     */
    kinds: z
      .preprocess(fideslangKeys, z.strictObject(Object.fromEntries(DATA_KINDS.map((k) => [category(k), rule(DEFAULT_OPERATOR[k])]))))
      .prefault({})
      .superRefine((kinds, ctx) => {
        const ruleOf = (k: DataKind) => kinds[category(k)]!;
        for (const k of DATA_KINDS) {
          if (ruleOf(k).operator === 'generalise' && !GENERALISABLE.includes(k)) {
            ctx.addIssue({ code: 'custom', path: [category(k), 'operator'], message: `"generalise" applies only to ${GENERALISABLE.map(category).join(', ')}` });
          }
        }
        // Masked rows of a person are found again (consent withdrawal, erasure) by their key,
        // so a person's id must map to one stable value.
        if (!['pseudonymise', 'tokenise'].includes(ruleOf('person_id').operator)) {
          ctx.addIssue({ code: 'custom', path: [category('person_id'), 'operator'], message: 'expected "pseudonymise" or "tokenise" (a stable key per person)' });
        }
        // Analytics buckets by hour: a timestamp column can only be made coarser, never removed.
        if (ruleOf('timestamp').operator !== 'generalise') {
          ctx.addIssue({ code: 'custom', path: [category('timestamp'), 'operator'], message: 'expected "generalise" (events are kept per hour)' });
        }
      })
      .transform((kinds) => Object.fromEntries(DATA_KINDS.map((k) => [k, kinds[category(k)]!])) as Record<DataKind, MaskRule>),
  })
  .prefault({});

export type MaskingPolicy = z.output<typeof maskingSchema>;

/**
 * `masking.kinds` as written, with the short names of earlier policies (`email`) renamed to their
 * fideslang category, and one deprecation warning on stderr naming every rename (a policy of ten
 * short names gets one line, not ten). Anything else is left for the strict schema to name.
 */
function fideslangKeys(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const renamed: string[] = [];
  const kinds = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => {
      if (!(DATA_KINDS as readonly string[]).includes(key)) return [key, value];
      const fideslang = category(key as DataKind);
      renamed.push(`${key} → ${fideslang}`);
      return [fideslang, value];
    }),
  );
  if (renamed.length > 0) {
    console.warn(`govflow: policy masking.kinds short names are deprecated; write their fideslang data categories: ${renamed.join(', ')}`);
  }
  return kinds;
}
