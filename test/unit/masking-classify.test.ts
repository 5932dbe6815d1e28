import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { base64Text, classify, classifyShared, isSafeKey, isSafeLiteral, percentDecode, unescapeText, wordsOf } from '../../masking/classify';
import { pseudonym } from '../../masking/pseudonym';

// The classifier behind the allow-list: what a value that is not kept is replaced by.

describe('decoding before classifying', () => {
  it('percent-decodes as often as the value was encoded, and survives malformed escapes', () => {
    expect(percentDecode('jane.doe%2540example.com')).toBe('jane.doe@example.com');
    expect(percentDecode('a%252540b')).toBe('a@b');
    expect(percentDecode('anna.m%C3%BCller%40example.com')).toBe('anna.müller@example.com');
    expect(percentDecode('100%25 %ZZ %C3')).toBe('100% %ZZ %C3');
    expect(percentDecode('a+b', true)).toBe('a b');
    // Five times (a redirect chain re-encoding at every hop).
    expect(percentDecode('moa.strand%252525252540example.com')).toBe('moa.strand@example.com');
  });
  it('reads HTML character references and \\u / %u escapes', () => {
    for (const v of ['ulla.berg&#64;example.com', 'ulla.berg&#x40;example.com', 'ulla.berg&commat;example.com', 'ulla.berg\\u0040example.com', 'ulla.berg%u0040example.com']) {
      expect(unescapeText(v), v).toBe('ulla.berg@example.com');
      expect(classify(v), v).toMatchObject({ kind: 'email', whole: { value: 'ulla.berg@example.com' } });
    }
    expect(unescapeText('R&D dept, a&b')).toBe('R&D dept, a&b');
  });
  it('reads base64 and base64url only when they decode to text', () => {
    expect(base64Text('bWlsYS5rb3dhbHNraUBleGFtcGxlLmNvbQ')).toBe('mila.kowalski@example.com');
    expect(base64Text(Buffer.from('jörg@example.com').toString('base64'))).toBe('jörg@example.com');
    expect(base64Text('watch-history')).toBeNull();
    expect(base64Text(Buffer.from([0, 1, 2, 250, 251, 252, 253, 254]).toString('base64'))).toBeNull();
  });
});

describe('classify', () => {
  const kind = (v: string) => classify(v).kind;
  it('names personal data by kind, in plain and encoded forms', () => {
    expect(classify('jane.doe%2540example.com')).toMatchObject({ kind: 'email', whole: { entity: 'EMAIL_ADDRESS', value: 'jane.doe@example.com' } });
    expect(classify('bWlsYS5rb3dhbHNraUBleGFtcGxlLmNvbQ')).toMatchObject({ kind: 'email', whole: { value: 'mila.kowalski@example.com' } });
    expect(classify('06%2039%2098%2012%2035')).toMatchObject({ kind: 'phone', whole: { value: '06 39 98 12 35' } });
    expect(kind('card 4111 1111 1111 1111 added')).toBe('card');
    expect(kind('x@y')).toBe('email'); // an "@" inside is an address, even where the pattern is stricter
  });
  it('sees into JWTs: header and payload are scanned, the token is a placeholder', () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${part({ alg: 'HS256' })}.${part({ name: 'Tomasz Wiśniewski', email: 'tomasz@example.com', phone: '+48 512 345 678' })}.sig`;
    const c = classify(jwt);
    expect(c.kind).toBe('jwt');
    expect(c.found.sort()).toEqual(['EMAIL_ADDRESS', 'PHONE_NUMBER']);
  });
  it('gives every other value the placeholder of its shape', () => {
    expect(kind('8812')).toBe('id');
    expect(kind('user-5502')).toBe('id');
    expect(kind('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('uuid');
    expect(kind('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b')).toBe('hex');
    expect(kind('2026-11-01T10:00:00Z')).toBe('date');
    expect(kind('12.5')).toBe('num');
    expect(kind('Zelda Quartermaine')).toBe('text');
    expect(kind('jane.doe')).toBe('text');
  });
});

describe('known literals and keys', () => {
  it('keeps only lower-case ASCII words of the safe shape, and never a word of the row\'s people', () => {
    for (const w of ['api', 'v1', 'watch-history', 'by_email', 'eu-west-1', 'oauth2']) expect(isSafeLiteral(w), w).toBe(true);
    for (const w of ['Jane', 'jane.doe', 'müller', 'user-5502', '8812', 'a%40b', 'x'.repeat(33), 'abc123']) expect(isSafeLiteral(w), w).toBe(false);
    const people = wordsOf(['zelda.quartermaine@example.com', 'svc-auth', 'user-5502']);
    expect([...people].sort()).toEqual(['quartermaine', 'zelda']);
    expect(isSafeLiteral('zelda-settings', people)).toBe(false);
    expect(isSafeLiteral('auth', people)).toBe(true);
  });
  it('does not keep a handle made of a given and a family name, in either order', () => {
    for (const w of ['ines-varga', 'mats_holm', 'ana-ruiz', 'otto-bergman', 'varga-ines', 'john-smith', 'maria_garcia', 'jan-kowalski']) expect(isSafeLiteral(w), w).toBe(false);
    // Route words that hold a given name, but no family name beside it, stay literals.
    for (const w of ['max-age', 'grace-period', 'summer-sale', 'mark-as-read', 'watch-history', 'kube-system', 'new-releases']) expect(isSafeLiteral(w), w).toBe(true);
    expect(isSafeKey('ines.varga')).toBe(false);
    expect(isSafeKey('user.name')).toBe(true);
  });
  it('keeps parameter and logfmt keys that are names, not encoded values', () => {
    for (const k of ['page', 'labelSelector', 'payout_iban', 'filter[name]']) expect(isSafeKey(k), k).toBe(true);
    for (const k of ['MDYgMDAgMDAgMDAgMDA', 'jane@example.com', '0639981234']) expect(isSafeKey(k), k).toBe(false);
  });
});

describe('remembered results', () => {
  // classifyShared and isSafeKey remember results by value: the same answers as computed afresh,
  // the first time and again.
  const values = ['8812', 'user-5502', 'jane.doe%2540example.com', 'Zelda Quartermaine', '12.5', '06%2039%2098%2012%2035',
    'bWlsYS5rb3dhbHNraUBleGFtcGxlLmNvbQ', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'watch-history', ''];
  it('classifyShared answers as classify does, and its shared results cannot be changed', () => {
    for (let round = 0; round < 2; round++) {
      for (const v of values) {
        const shared = classifyShared(v);
        expect({ ...shared, found: [...shared.found] }, v).toEqual(classify(v));
      }
    }
    const plain = classifyShared('8812');
    expect(plain).toBe(classifyShared('8813'));
    expect(() => (plain.found as string[]).push('EMAIL_ADDRESS')).toThrow(TypeError);
  });
  it('isSafeKey answers the same the second time', () => {
    for (let round = 0; round < 2; round++) {
      for (const k of ['page', 'labelSelector', 'MDYgMDAgMDAgMDAgMDA', 'jane@example.com', '0639981234']) expect(isSafeKey(k), k).toBe(['page', 'labelSelector'].includes(k));
    }
  });
  it('pseudonyms are the HMAC whether remembered or not, per key', () => {
    const hmac = (v: string, k: string) => `p_${createHmac('sha256', k).update(v, 'utf8').digest('hex').slice(0, 32)}`;
    for (let round = 0; round < 2; round++) {
      for (const [v, k] of [['user-5502', 'k1'], ['user-5502', 'k2'], ['jane@example.com', 'k1']] as const) expect(pseudonym(v, k)).toBe(hmac(v, k));
    }
  });
});
