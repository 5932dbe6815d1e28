import { z } from 'zod';

// policy.yaml `runs:` — how long a run may take before the governance team hears about it.
// A run past its deadline is not killed (its work is still wanted); it raises an alert.

export const runsPolicySchema = z
  .strictObject({
    deadlineMinutes: z.number().positive('expected a number of minutes greater than 0').default(60),
    deadlineSeverity: z.enum(['low', 'medium', 'high', 'critical'], { message: 'expected one of low, medium, high, critical' }).default('medium'),
  })
  .prefault({});

export type RunsPolicy = z.output<typeof runsPolicySchema>;
