import { z } from 'zod';

// The policy's `reports` section: how the compliance report looks back.
export const reportsPolicySchema = z
  .strictObject({
    /** How many runs (this one included) the trend chart shows. */
    trendRuns: z.number().int().min(2, 'expected a whole number of at least 2').max(60, 'expected at most 60').default(8),
    /** Findings and violations listed in the CSV attached to the report email, at most. */
    csvMaxRows: z.number().int().min(1, 'expected a whole number of at least 1').default(10_000),
  })
  .prefault({});
