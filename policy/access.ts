import { z } from 'zod';

// Who may touch which personal data, for what, and under which conditions: the policy's `access`
// section. Data categories follow fideslang's dotted taxonomy (user.contact.email); a grant for a
// category covers its sub-categories. Principals not listed here are "unknown" to the audit.

const fidesCategory = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'expected a fideslang-style dotted category such as user.contact.email');
const pattern = z.string().min(1, 'expected a pattern (* matches any run of characters)');
const isoInstant = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 timestamp with a zone, e.g. 2026-11-01T00:00:00Z' });

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hoursSchema = z.strictObject({
  from: z.number().int().min(0).max(23, 'expected an hour from 0 to 23'),
  to: z.number().int().min(1).max(24, 'expected an hour from 1 to 24'),
  timeZone: z.string().refine(validTimeZone, 'expected an IANA time zone such as Europe/Berlin').default('UTC'),
});

/** Attribute conditions (ABAC) a grant carries; all must hold for the grant to apply. */
const conditionsSchema = z.strictObject({
  /** Regions the access may come from (patterns). */
  regions: z.array(pattern).min(1, 'expected at least one region pattern').optional(),
  /** The access must cite a ticket or justification. */
  requireJustification: z.boolean({ message: 'expected true or false' }).default(false),
  /** Working hours [from, to) in a time zone; from > to spans midnight. */
  hours: hoursSchema.optional(),
});

const grantSchema = z.strictObject({
  actions: z.array(z.string().min(1, 'expected an action or *')).min(1, 'expected at least one action'),
  categories: z.array(z.union([z.literal('*'), fidesCategory])).min(1, 'expected at least one data category'),
  purposes: z.array(z.string().min(1, 'expected a purpose id or *')).min(1, 'expected at least one purpose'),
  when: conditionsSchema.prefault({}),
});

const roleSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a lower-case role id'),
  description: z.string().optional(),
  allow: z.array(grantSchema).min(1, 'expected at least one grant'),
});

const principalSchema = z.strictObject({
  id: z.string().min(1, 'expected the principal name as it appears in the logs'),
  /** Other names the same principal appears under (an ARN, an e-mail, a Kubernetes user). */
  aliases: z.array(z.string().min(1)).default([]),
  roles: z.array(z.string()).default([]),
  /** true, or the instant from which the principal is deactivated. */
  deactivated: z.union([z.boolean({ message: 'expected true, false or a timestamp' }), isoInstant]).default(false),
});

/** Data sovereignty: subjects matching `subjects` may only be processed from `regions`. */
const sovereigntySchema = z.strictObject({
  name: z.string().min(1, 'expected a name for the rule'),
  subjects: pattern,
  regions: z.array(pattern).min(1, 'expected at least one allowed region pattern'),
});

export const accessPolicySchema = z
  .strictObject({
    dataCategories: z.array(fidesCategory).default([]),
    roles: z.array(roleSchema).default([]),
    principals: z.array(principalSchema).default([]),
    /** Principal names that mean "nobody signed in" (a missing principal always does). */
    anonymousPrincipals: z.array(z.string().min(1)).default(['-', 'anonymous', 'system:anonymous']),
    /** Resources anyone may read (path patterns, matched without the query string). */
    publicResources: z.array(pattern).default([]),
    /**
     * When given, only these resources (and any carrying a person's data) count as non-public for
     * anonymous access: the practical choice for web-server logs full of public pages.
     * When empty, everything not in publicResources is non-public.
     */
    protectedResources: z.array(pattern).default([]),
    sovereignty: z.array(sovereigntySchema).default([]),
  })
  .prefault({});

export type AccessPolicy = z.output<typeof accessPolicySchema>;

type Ctx = z.core.$RefinementCtx<{ purposes: Array<{ id: string }>; access: AccessPolicy }>;

/**
 * Cross-references a schema alone cannot check: roles name declared purposes and categories,
 * principals name declared roles, ids are unique. Errors point at the offending path.
 */
export function refineAccessReferences(policy: { purposes: Array<{ id: string }>; access: AccessPolicy }, ctx: Ctx): void {
  const purposes = new Set(policy.purposes.map((p) => p.id));
  const { roles, principals, dataCategories } = policy.access;
  const roleIds = new Set<string>();
  const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path: ['access', ...path], message });

  roles.forEach((role, r) => {
    if (roleIds.has(role.id)) issue(['roles', r, 'id'], `"${role.id}" is declared twice; role ids must be unique`);
    roleIds.add(role.id);
    role.allow.forEach((grant, g) => {
      grant.purposes.forEach((p, i) => {
        if (p !== '*' && !purposes.has(p)) issue(['roles', r, 'allow', g, 'purposes', i], `expected a purpose declared under purposes (got "${p}")`);
      });
      if (dataCategories.length === 0) return;
      grant.categories.forEach((c, i) => {
        const declared = c === '*' || dataCategories.some((d) => d === c || d.startsWith(`${c}.`) || c.startsWith(`${d}.`));
        if (!declared) issue(['roles', r, 'allow', g, 'categories', i], `expected a category under access.dataCategories (got "${c}")`);
      });
    });
  });

  const names = new Set<string>();
  principals.forEach((p, i) => {
    for (const name of [p.id, ...p.aliases]) {
      if (names.has(name)) issue(['principals', i, 'id'], `"${name}" names two principals; names and aliases must be unique`);
      names.add(name);
    }
    p.roles.forEach((role, j) => {
      if (!roleIds.has(role)) issue(['principals', i, 'roles', j], `expected a role declared under access.roles (got "${role}")`);
    });
  });
}
