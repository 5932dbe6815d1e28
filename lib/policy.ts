import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loadYamlFile } from './yaml-file';
import { runsPolicySchema } from './policy-runs';

// Policy is data (DESIGN rule 5): everything a governance team may tune lives in one validated
// YAML file, and every run records the hash of the policy it used.

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const severity = z.enum(SEVERITIES, { message: `expected one of ${SEVERITIES.join(', ')}` });

const purposeSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case purpose id'),
  description: z.string().optional(),
  requiresConsent: z.boolean({ message: 'expected true or false' }),
});

export const policySchema = z.strictObject({
  version: z.literal(1, { message: 'expected 1' }),
  purposes: z.array(purposeSchema).min(1, 'expected at least one purpose'),
  audit: z
    .strictObject({
      deniedSeverity: severity.default('medium'),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      minSeverity: severity.default('medium'),
      minFindings: z.number().int().min(1, 'expected a whole number of at least 1').default(1),
    })
    .prefault({}),
  recipients: z
    .strictObject({
      compliance: z.array(z.email({ message: 'expected an email address' })).default([]),
    })
    .prefault({}),
  runs: runsPolicySchema,
});

export type Policy = z.output<typeof policySchema>;

export interface LoadedPolicy {
  file: string;
  policy: Policy;
  /** sha256 of the file's bytes: the report cites it so a reader can tell which rules applied. */
  hash: string;
}

export function loadPolicy(file: string): LoadedPolicy {
  const { value, text } = loadYamlFile(file, policySchema);
  return { file, policy: value, hash: createHash('sha256').update(text).digest('hex') };
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
