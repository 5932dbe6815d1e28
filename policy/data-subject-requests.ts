import { z } from 'zod';
import { DurationError, parseDurationSeconds } from '../config/duration';

// The policy's `dataSubjectRequests` section: how soon govflow answers a person's request.
// GDPR Art. 12(3): the controller answers a request under Articles 15–22 "without undue delay
// and in any event within one month of receipt of the request". A month is at most 31 days, so
// 31d is the ceiling a policy may set; 30d is the default. (The two-month extension of Art. 12(3)
// needs a reason told to the person: it is a human decision, not a setting.)

/** One month (GDPR Art. 12(3)), as the longest calendar month: the most a policy may allow. */
export const GDPR_MONTH_SECONDS = 31 * 86_400;

const within = (field: string) =>
  z
    .string({ message: 'expected a duration such as 30d, 7d or 12h' })
    .default('30d')
    .transform((text, ctx) => {
      try {
        const seconds = parseDurationSeconds(text, field);
        if (seconds > GDPR_MONTH_SECONDS) {
          ctx.addIssue({ code: 'custom', message: `expected at most one month (31d, GDPR Art. 12(3)), got "${text}"` });
          return z.NEVER;
        }
        return seconds;
      } catch (e) {
        if (!(e instanceof DurationError)) throw e;
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; expected e.g. 30d, 7d or 12h` });
        return z.NEVER;
      }
    });

export const dataSubjectRequestsPolicySchema = z
  .strictObject({
    /** Time from a request (a consent withdrawal, or `govflow erase`) to its completed erasure, in seconds. */
    erasureWithin: within('dataSubjectRequests.erasureWithin'),
    /** Time from `govflow access-request` to the export, in seconds (the export is made at once; this is its due date). */
    accessWithin: within('dataSubjectRequests.accessWithin'),
  })
  .prefault({});

export type DataSubjectRequestsPolicy = z.output<typeof dataSubjectRequestsPolicySchema>;
