import { z } from 'zod';
import { DURATION_PATTERN, parseDurationSeconds } from '../config/duration';

// policy.yaml `runs:` — how long a run may take before the governance team hears about it.
// A run past its deadline is not killed (its work is still wanted); it raises an alert. Windows
// that received late rows within `lateDataLookback` are governed again.

export const runsPolicySchema = z
  .strictObject({
    deadlineMinutes: z.number().positive('expected a number of minutes greater than 0').default(60),
    /**
     * How far back a run looks for earlier windows that received rows after they were governed
     * (late data, ingest/late-windows.ts); those windows are governed again.
     */
    lateDataLookback: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration like 6h, 1d or 7d')
      .refine((d) => {
        if (!DURATION_PATTERN.test(d)) return true; // the pattern's own message is the one to report
        try {
          return parseDurationSeconds(d, 'lateDataLookback') > 0;
        } catch {
          return false; // 0s
        }
      }, 'expected a duration greater than 0')
      .default('7d'),
    deadlineSeverity: z.enum(['low', 'medium', 'high', 'critical'], { message: 'expected one of low, medium, high, critical' }).default('medium'),
  })
  .prefault({});

export type RunsPolicy = z.output<typeof runsPolicySchema>;
