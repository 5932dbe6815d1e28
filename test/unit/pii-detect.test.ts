import { describe, expect, it } from 'vitest';
import { detectPii, detectPiiUnchecked, ibanChecksumValid, luhnValid, scrubPii, ssnValid, tooPlain } from '../../masking/detector';

// The detector's own rules, beyond Presidio's cases (pii-detect-presidio.test.ts).

const found = (text: string) => detectPii(text).map((s) => [s.entity, s.value]);

describe('PII detection rules', () => {
  it('validates cards by Luhn, IBANs by mod-97, SSNs by the never-issued rules', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('GB82WEST12345698765433')).toBe(false);
    expect(ssnValid('078-05-1123')).toBe(true);
    for (const bad of ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000', '111-11-1111', '123-45.6789', '123456789']) {
      expect(ssnValid(bad), bad).toBe(false);
    }
  });

  it('finds each kind in free text, and prefers the checksum-validated reading of an overlap', () => {
    expect(found('mail a.b+c@mail.example.org, call +44 20 7946 0958 or (415) 555-0132')).toEqual([
      ['EMAIL_ADDRESS', 'a.b+c@mail.example.org'], ['PHONE_NUMBER', '+44 20 7946 0958'], ['PHONE_NUMBER', '(415) 555-0132'],
    ]);
    expect(found('card 4012-8888-8888-1881 iban GB82-WEST-1234-5698-7654-32 ssn 078 05 1123')).toEqual([
      ['CREDIT_CARD', '4012-8888-8888-1881'], ['IBAN_CODE', 'GB82-WEST-1234-5698-7654-32'], ['US_SSN', '078 05 1123'],
    ]);
    expect(found('from 203.0.113.9 and [2001:db8::1]:443 via ::ffff:10.0.0.1')).toEqual([
      ['IP_ADDRESS', '203.0.113.9'], ['IP_ADDRESS', '2001:db8::1'], ['IP_ADDRESS', '::ffff:10.0.0.1'],
    ]);
  });

  it('leaves versions, dates, times and ids alone', () => {
    expect(found('Roku/DVP-12.5 (12.5.0.4178) build 2026-11-01 at 10:35:41, order 1234567, v1.2.3, std::cout')).toEqual([]);
  });

  it('scrubs each span with what the caller returns', () => {
    expect(scrubPii('write to jane@example.com from 198.51.100.7', (s) => `<${s.entity}>`)).toBe('write to <EMAIL_ADDRESS> from <IP_ADDRESS>');
  });

  it('finds e-mail addresses in any script, with sub-addressing (RFC 6531, RFC 5233)', () => {
    for (const a of ['anna.müller@example.com', 'jörg.weiß@example.com', 'zoë.dupré@example.com', 'δοκιμή@παράδειγμα.ελ', '用户+news@例え.jp', 'a.b+tag-1@mail.example.org']) {
      expect(found(`mail ${a}, thanks`), a).toEqual([['EMAIL_ADDRESS', a]]);
    }
  });

  it('validates cards over every issuer range, the Mastercard 2-series included (P-02)', () => {
    for (const n of ['2221004839100576', '2231 0052 0000 1465', '2720990000000007', '5555-5555-5555-4444', '378282246310005', '6011111111111117', '3530111333300000', '36227206271667', '6200000000000005', '2200000000000004']) {
      expect(found(`card ${n} ok`), n).toEqual([['CREDIT_CARD', n]]);
    }
    // Outside every range, or failing Luhn: not a card.
    expect(found('id 7000000000000007 and 2221004839100577')).toEqual([]);
  });

  it('finds IBANs in either case, compact or in groups of four', () => {
    for (const v of ['DE89370400440532013000', 'de89370400440532013000', 'DE89 3704 0044 0532 0130 00', 'de89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'fr14 2004 1010 0505 0001 3m02 606']) {
      expect(found(`iban ${v} ok`), v).toEqual([['IBAN_CODE', v]]);
    }
  });

  it('finds phone numbers in national layouts without a country code (P-04)', () => {
    for (const p of ['0639981234', '06 39 98 12 35', '01.99.00.12.34', '030 12345678', '0151 23456789', '020 7946 0123', '07700 900123', '0412 345 678', '0470 12 34 56', '090 1234 5678', '8 (495) 123-45-67']) {
      expect(found(`tel ${p} ok`), p).toEqual([['PHONE_NUMBER', p]]);
    }
    expect(found('order 20261101, build 2026-11-01, v12.5.0.4178')).toEqual([]);
  });

  it('finds phone numbers grouped as their country writes them without a trunk prefix', () => {
    // ES mobile and Madrid, PT, IT mobile, US dotted, BR mobile with its area code, FR without the 0.
    for (const p of ['612 34 56 78', '91 123 45 67', '912 345 678', '347 123 4567', '347.555.0199', '(11) 98765-4321', '6 12 34 56 78']) {
      expect(found(`tel ${p} ok`), p).toEqual([['PHONE_NUMBER', p]]);
    }
    // Valid numbers somewhere, but not grouped as a phone number is there.
    for (const n of ['123 456 789', '100 200 300', '2026 11 01 12', '12 34 56 78 90', '24 25 26 27 28']) expect(found(`n ${n} ok`), n).toEqual([]);
  });
});


describe('the pre-check that skips plain texts', () => {
  // detectPii skips the recognisers for texts tooPlain calls plain: exact only if they would find
  // nothing there. Checked at its thresholds and over random short texts of the characters it counts.
  it('skips only texts in which the recognisers find nothing', () => {
    const near = ['1.2.3.4', '0.0.0.0', 'a@b.co', '::1', 'NO9386011117947', 'no9386011117947', '4111111111111', '078-05-1123', '078051123',
      '+4930123456', '0639981234', '(415) 555-0132', '1.2.3', '1234567', 'user-5502', 'x@', 'Roku/DVP-12.5'];
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 16) % n;
    const alphabet = '0123456789012345678901234567890123456789.:@-+ ()/NOGBnoAZ';
    const random = Array.from({ length: 20_000 }, () => Array.from({ length: 1 + rnd(16) }, () => alphabet[rnd(alphabet.length)]).join(''));
    let skipped = 0;
    for (const t of [...near, ...random]) {
      if (!tooPlain(t)) continue;
      skipped++;
      expect(detectPiiUnchecked(t), t).toEqual([]);
    }
    expect(skipped).toBeGreaterThan(1000);
    for (const t of ['1.2.3.4', 'a@b.co', '::1', 'NO9386011117947', '+4930123456', '078051123']) {
      expect(tooPlain(t), t).toBe(false);
      expect(detectPii(t).length, t).toBe(1);
    }
  });
});
