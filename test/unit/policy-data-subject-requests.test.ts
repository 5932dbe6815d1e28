import { describe, expect, it } from 'vitest';
import { dataSubjectRequestsPolicySchema, GDPR_MONTH_SECONDS } from '../../policy/data-subject-requests';

describe('policy dataSubjectRequests', () => {
  it('defaults to 30 days for erasure and access', () => {
    expect(dataSubjectRequestsPolicySchema.parse(undefined)).toEqual({ erasureWithin: 30 * 86_400, accessWithin: 30 * 86_400 });
  });

  it('takes a shorter SLA as a duration', () => {
    expect(dataSubjectRequestsPolicySchema.parse({ erasureWithin: '7d', accessWithin: '36h' })).toEqual({ erasureWithin: 7 * 86_400, accessWithin: 36 * 3600 });
  });

  it('allows one month (31 days) at most: GDPR Art. 12(3)', () => {
    expect(dataSubjectRequestsPolicySchema.parse({ erasureWithin: '31d' }).erasureWithin).toBe(GDPR_MONTH_SECONDS);
    const r = dataSubjectRequestsPolicySchema.safeParse({ erasureWithin: '32d' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['erasureWithin'], message: 'expected at most one month (31d, GDPR Art. 12(3)), got "32d"' });
  });

  it('names the expected form for text that is not a duration, and refuses unknown keys', () => {
    expect(dataSubjectRequestsPolicySchema.safeParse({ accessWithin: 'soon' }).error?.issues[0]?.message).toBe('"soon" is not a duration; expected e.g. 30d, 7d or 12h');
    expect(dataSubjectRequestsPolicySchema.safeParse({ erasureWithinDays: 30 }).success).toBe(false);
  });
});
