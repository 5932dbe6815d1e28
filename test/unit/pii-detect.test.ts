import { describe, expect, it } from 'vitest';
import { detectPii, ibanChecksumValid, luhnValid, scrubPii, ssnValid } from '../../lib/pii-detect';

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
});
