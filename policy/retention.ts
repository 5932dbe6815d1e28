import { z } from 'zod';

// The policy's `retention` section: how long each kind of record is kept, in days, and the legal
// holds that suspend purging. Declared here so a run's policy hash covers it; the retentionRun
// workflow (workflows/retention.ts, lifecycle/retention.ts) reads it.

const days = z.number().int('expected whole days').min(1, 'expected at least 1 day');
const text = z.string().trim().min(1, 'expected a non-empty text');

/**
 * A legal hold: while listed, no row of this person (raw subject/principal/actor ids, and their
 * pseudonyms in masked tables and findings) or of this source is purged, whatever its age.
 */
export const legalHoldSchema = z.union(
  [z.strictObject({ subject: text, reason: text }), z.strictObject({ source: text, reason: text })],
  { message: 'expected {subject: ID, reason: TEXT} or {source: NAME, reason: TEXT}' },
);

export const retentionPolicySchema = z
  .strictObject({
    accessEventsDays: days.default(400),
    auditTrailDays: days.default(400),
    maskedEventsDays: days.default(730),
    findingsDays: days.default(2190),
    consentLedgerDays: days.default(2190),
    /** Quarantined input lines (rejected_records), counted from when they were quarantined. */
    rejectedRecordsDays: days.default(90),
    /** Stored reports, counted from the end of the window they cover. */
    reportsDays: days.default(2190),
    legalHolds: z.array(legalHoldSchema).default([]),
  })
  .prefault({});

export type RetentionPolicy = z.output<typeof retentionPolicySchema>;
export type LegalHold = z.output<typeof legalHoldSchema>;
