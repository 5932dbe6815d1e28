import { describe, expect, it } from 'vitest';
import { checkAccess, checkAuditTrail, checkConsent } from '../../ingest/records';

const purposes = new Set(['analytics', 'service_delivery']);
const access = {
  event_id: 'a1', time: '2026-11-01T10:00:00+02:00', principal: 'svc', subject: 'user-1', action: 'read',
  resource: '/x', purpose: 'analytics', outcome: 'success', source_ip: '2001:db8::1',
};

describe('record checks', () => {
  it('normalises a good access record to UTC', () => {
    const r = checkAccess(access, purposes);
    expect(r).toMatchObject({ ok: true, record: { occurred_at: '2026-11-01T08:00:00.000Z', subject_id: 'user-1', source_ip: '2001:db8::1' } });
  });

  it.each([
    [{ ...access, time: undefined }, 'missing field "time"'],
    [{ ...access, time: '01/11/2026 10:00' }, 'unparseable time in "time"'],
    [{ ...access, time: '2026-11-01T10:00:00' }, 'unparseable time in "time"'],
    [{ ...access, outcome: 'ok' }, 'field "outcome" must be one of success, denied, failed'],
    [{ ...access, source_ip: '999.1.1.1' }, 'field "source_ip" is not an IP address'],
    [{ ...access, purpose: 'resale' }, 'unknown purpose "resale"'],
    [{ ...access, action: { verb: 'read' } }, 'field "action" must be text'],
    [[1, 2], 'not a JSON object'],
  ])('quarantines %j with a reason', (input, reason) => {
    expect(checkAccess(input, purposes)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('checks consent and audit-trail records', () => {
    expect(checkConsent({ user_id: 'u', purpose: 'analytics', granted: false, time: '2026-11-01T10:00:00Z' }, purposes)).toMatchObject({
      ok: true, record: { subject_id: 'u', granted: false, event_id: null },
    });
    expect(checkConsent({ user_id: 'u', purpose: 'analytics', granted: 'yes', time: '2026-11-01T10:00:00Z' }, purposes)).toEqual({
      ok: false, reason: 'field "granted" must be true or false',
    });
  });

  it('calls the data subject `subject` in consent records as in access records; user_id is read as it', () => {
    const consent = { purpose: 'analytics', granted: true, time: '2026-11-01T10:00:00Z' };
    expect(checkConsent({ ...consent, subject: 'user-7' }, purposes)).toMatchObject({ ok: true, record: { subject_id: 'user-7' } });
    expect(checkConsent({ ...consent, user_id: 'user-7' }, purposes)).toMatchObject({ ok: true, record: { subject_id: 'user-7' } });
    expect(checkConsent(consent, purposes)).toEqual({ ok: false, reason: 'missing field "subject"' });
    expect(checkAuditTrail({ time: '2026-11-01T10:00:00Z', actor: 'root', action: 'login', outcome: 'failed' })).toMatchObject({ ok: true });
    expect(checkAuditTrail({ time: '2026-11-01T10:00:00Z', outcome: 'failed' })).toEqual({ ok: false, reason: 'missing field "action"' });
  });
});
