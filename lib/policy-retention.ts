import { z } from 'zod';

// The policy's `retention` section: how long each kind of record is kept, in days. Declared here
// so a run's policy hash covers it; the retention job reads it.

const days = z.number().int('expected whole days').min(1, 'expected at least 1 day');

export const retentionPolicySchema = z
  .strictObject({
    accessEventsDays: days.default(400),
    auditTrailDays: days.default(400),
    maskedEventsDays: days.default(730),
    findingsDays: days.default(2190),
    consentLedgerDays: days.default(2190),
  })
  .prefault({});

export type RetentionPolicy = z.output<typeof retentionPolicySchema>;
