import { describe, expect, it } from 'vitest';
import { retentionPolicySchema } from '../../policy/retention';

describe("the policy's retention section", () => {
  it('keeps an older policy valid: the new periods and holds have defaults', () => {
    const r = retentionPolicySchema.parse({ accessEventsDays: 30 });
    expect(r).toMatchObject({ accessEventsDays: 30, rejectedRecordsDays: 90, reportsDays: 2190, legalHolds: [] });
    expect(retentionPolicySchema.parse(undefined).auditTrailDays).toBe(400);
  });

  it('takes holds on a subject or a source, each with a reason', () => {
    const holds = [{ subject: 'user-1', reason: 'case 7' }, { source: 'hr', reason: 'audit' }];
    expect(retentionPolicySchema.parse({ legalHolds: holds }).legalHolds).toEqual(holds);
  });

  it('refuses a hold without a reason, on nothing, or on both', () => {
    for (const bad of [[{ subject: 'user-1' }], [{ reason: 'x' }], [{ subject: 'a', source: 'b', reason: 'x' }], [{ subject: ' ', reason: 'x' }]]) {
      const r = retentionPolicySchema.safeParse({ legalHolds: bad });
      expect(r.success, JSON.stringify(bad)).toBe(false);
    }
    expect(retentionPolicySchema.safeParse({ reportsDays: 0 }).success).toBe(false);
  });
});
