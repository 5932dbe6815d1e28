import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loadYamlFile } from '../config/yaml-file';
import { SEVERITIES, type Severity } from '../reporting/alerts/severity';
import { accessPolicySchema, refineAccessReferences } from './access';
import { auditPolicySchema } from './audit';
import { retentionPolicySchema } from './retention';
import { alertsPolicySchema, recipientsPolicySchema } from './alerts';
import { reportsPolicySchema } from './reports';
import { runsPolicySchema } from './runs';
import { maskingSchema } from './masking';
import { dataSubjectRequestsPolicySchema } from '../policy/data-subject-requests';

// Policy is data (architecture rule 5, docs/architecture.md): everything a governance team may tune lives in one validated
// YAML file, and every run records the hash of the policy it used.

export { SEVERITIES, type Severity };

const purposeSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case purpose id'),
  description: z.string().optional(),
  requiresConsent: z.boolean({ message: 'expected true or false' }),
});

export const policySchema = z.strictObject({
  version: z.literal(1, { message: 'expected 1' }),
  purposes: z.array(purposeSchema).min(1, 'expected at least one purpose'),
  audit: auditPolicySchema,
  access: accessPolicySchema,
  retention: retentionPolicySchema,
  alerts: alertsPolicySchema,
  recipients: recipientsPolicySchema,
  reports: reportsPolicySchema,
  runs: runsPolicySchema,
  masking: maskingSchema,
  dataSubjectRequests: dataSubjectRequestsPolicySchema,
}).superRefine(refineAccessReferences);

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
