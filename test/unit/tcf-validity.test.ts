import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { publicFile } from '../support/public-data';
import { FORMATS } from '../../ingest/formats';
import { decodeConsents, tcStringValidity, LATEST_TCF_POLICY_VERSION } from '../../ingest/formats/tcf';

// TC strings checked against the TCF specification before they become consent. The v2 strings are
// encoded here with the IAB's own library (TCModel + TCString.encode; the policy version comes
// from the GVL the model is built with, so each policy version gets its GVL), the v1.1 strings
// bit by bit from "Consent string and vendor list formats v1.1" (the library encodes v2 only).

const gvlJson = JSON.parse(readFileSync(publicFile('iabtcf-es/vendor-list.json'), 'utf8'));

function v2String(o: { policyVersion: number; isServiceSpecific: boolean; created: string; purposes: number[] }): string {
  const model = new TCModel(new GVL({ ...gvlJson, tcfPolicyVersion: o.policyVersion }));
  model.cmpId = 300;
  model.cmpVersion = 2;
  model.isServiceSpecific = o.isServiceSpecific;
  model.created = new Date(o.created);
  model.lastUpdated = new Date(o.created);
  model.purposeConsents.set(o.purposes);
  return TCString.encode(model);
}

/** A v1.1 consent string: version 1, dates in deciseconds, five (of 24) purpose bits, no vendors. */
function v1String(purposes: number[], created = '2020-06-01T00:00:00Z'): string {
  let bits = '';
  const put = (n: number, width: number) => (bits += n.toString(2).padStart(width, '0'));
  const ds = Math.round(Date.parse(created) / 100);
  put(1, 6); // Version
  put(ds, 36); // Created
  put(ds, 36); // LastUpdated
  put(10, 12); // CmpId
  put(1, 12); // CmpVersion
  put(1, 6); // ConsentScreen
  put(4, 6); put(13, 6); // ConsentLanguage "EN"
  put(180, 12); // VendorListVersion
  for (let p = 1; p <= 24; p++) put(purposes.includes(p) ? 1 : 0, 1); // PurposesAllowed
  put(2, 16); // MaxVendorId
  put(0, 1); // EncodingType: bit field
  put(0, 2); // vendors 1 and 2: no consent
  while (bits.length % 8) bits += '0';
  const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  return bytes.toString('base64url');
}

describe('tcStringValidity (TCF v2.2/2.3 "Managing conflicting string versions", IsServiceSpecific)', () => {
  const cases: Array<[string, { policyVersion: number; isServiceSpecific: boolean; created: string }, RegExp | null]> = [
    ['policy 4, service-specific, 2026', { policyVersion: 4, isServiceSpecific: true, created: '2026-11-01T00:00:00Z' }, null],
    ['policy 5, service-specific, 2026', { policyVersion: 5, isServiceSpecific: true, created: '2026-11-01T00:00:00Z' }, null],
    ['policy 4, created on the cut-off day', { policyVersion: 4, isServiceSpecific: true, created: '2023-09-30T00:00:00Z' }, null],
    ['policy 2 created in 2020 (TCF v2.0)', { policyVersion: 2, isServiceSpecific: true, created: '2020-08-18T00:00:00Z' }, null],
    ['policy 3 created on 30 September 2023', { policyVersion: 3, isServiceSpecific: true, created: '2023-09-30T00:00:00Z' }, null],
    ['policy 3 created 1 October 2023', { policyVersion: 3, isServiceSpecific: true, created: '2023-10-01T00:00:00Z' }, /policy version 3 .*30 September 2023/],
    ['policy 2 created 2026', { policyVersion: 2, isServiceSpecific: true, created: '2026-11-01T00:00:00Z' }, /policy version 2 .*30 September 2023/],
    ['policy 1 in a v2 string', { policyVersion: 1, isServiceSpecific: true, created: '2020-08-18T00:00:00Z' }, /invalid TCF policy version 1/],
    ['policy 0 in a v2 string', { policyVersion: 0, isServiceSpecific: true, created: '2020-08-18T00:00:00Z' }, /invalid TCF policy version 0/],
    ['a policy version newer than known', { policyVersion: LATEST_TCF_POLICY_VERSION + 1, isServiceSpecific: true, created: '2026-11-01T00:00:00Z' }, /unknown TCF policy version/],
    ['policy 63 (the field maximum)', { policyVersion: 63, isServiceSpecific: true, created: '2026-11-01T00:00:00Z' }, /unknown TCF policy version 63/],
    ['not service-specific, policy 5', { policyVersion: 5, isServiceSpecific: false, created: '2026-11-01T00:00:00Z' }, /IsServiceSpecific=0/],
    ['not service-specific, policy 4', { policyVersion: 4, isServiceSpecific: false, created: '2024-01-15T00:00:00Z' }, /IsServiceSpecific=0/],
    ['not service-specific, policy 2 of 2020 (global scope, deprecated)', { policyVersion: 2, isServiceSpecific: false, created: '2020-03-01T00:00:00Z' }, /IsServiceSpecific=0/],
  ];

  for (const [name, fields, expected] of cases) {
    it(`${expected ? 'rejects' : 'accepts'} ${name}`, () => {
      const s = v2String({ ...fields, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
      const decoded = decodeConsents(s);
      expect(decoded).toMatchObject({ version: 2, policyVersion: fields.policyVersion, isServiceSpecific: fields.isServiceSpecific });
      const verdict = tcStringValidity(decoded);
      if (expected) expect(verdict).toMatch(expected);
      else expect(verdict).toBeNull();
    });
  }

  it('rejects every v1.1 string, whatever its purposes', () => {
    for (const purposes of [[1, 2, 3, 4, 5], [1], [], [2, 5]]) {
      const s = v1String(purposes);
      expect(s.startsWith('B')).toBe(true);
      const decoded = decodeConsents(s);
      expect(decoded).toMatchObject({ version: 1, policyVersion: 1, purposeConsents: purposes });
      expect(tcStringValidity(decoded)).toMatch(/^TCF v1\.x string/);
    }
  });

  it('rejects versions other than 1 and 2', () => {
    expect(tcStringValidity({ version: 3, policyVersion: 5, isServiceSpecific: true, created: '2026-11-01T00:00:00.000Z' })).toMatch(/unsupported TC string version 3/);
  });
});

describe('tcf format over valid and invalid strings', () => {
  const f = FORMATS.tcf!;
  const parser = f.create(f.options.parse({ purposes: { '4': 'advertising', '8': 'analytics' } }), 'consent');
  const line = (tc: string) => JSON.stringify({ user_id: 'user-1', tc_string: tc, time: '2026-11-01T09:00:00Z' });

  it('records a valid string as one event per mapped purpose', () => {
    const s = v2String({ policyVersion: 5, isServiceSpecific: true, created: '2026-11-01T00:00:00Z', purposes: [1, 8] });
    expect(parser.parse(line(s), 1)).toMatchObject({
      ok: true,
      objects: [{ purpose: 'advertising', granted: false }, { purpose: 'analytics', granted: true }],
    });
  });

  it('quarantines an invalid string with its reason instead of recording grants or refusals', () => {
    const invalid = [
      v1String([1, 2, 3, 4, 5]),
      v2String({ policyVersion: 2, isServiceSpecific: true, created: '2026-11-01T00:00:00Z', purposes: [1, 4, 8] }),
      v2String({ policyVersion: 5, isServiceSpecific: false, created: '2026-11-01T00:00:00Z', purposes: [1, 4, 8] }),
      v2String({ policyVersion: 9, isServiceSpecific: true, created: '2026-11-01T00:00:00Z', purposes: [1, 4, 8] }),
    ];
    for (const s of invalid) {
      const r = parser.parse(line(s), 1);
      expect(r.ok, s).toBe(false);
      expect((r as { reason: string }).reason.length).toBeGreaterThan(20);
    }
  });
});
