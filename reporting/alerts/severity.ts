import { z } from 'zod';

// Finding and alert severities, lowest first. Its own module so every policy section can use it
// without importing policy/policy.ts (which imports the sections).

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severitySchema = z.enum(SEVERITIES, { message: `expected one of ${SEVERITIES.join(', ')}` });
