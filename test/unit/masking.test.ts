import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRule, birthYear, ipPrefix, maskFreeText, partialMask, toCountry, toHour, tokenFor, vaultContext, type MaskKeys, type VaultEntry } from '../../lib/masking';
import { maskingSchema, type MaskRule } from '../../lib/policy-masking';
import { decryptValue, encryptValue, keyBytes, newDataKey, unwrapDataKey, wrapDataKey } from '../../lib/vault-crypto';
import { maskAccessEvent, maskAuditTrailEvent, subjectRef } from '../../lib/mask-record';
import { pseudonym } from '../../lib/pseudonym';
import { loadPolicy } from '../../lib/policy';
import { ConfigError } from '../../lib/config-error';
import { loadEnv } from '../../lib/config';

const KEY = 'test-pseudonym-key-of-at-least-32-characters';
const rule = (operator: MaskRule['operator'], keepFirst = 0, keepLast = 0): MaskRule => ({ operator, keepFirst, keepLast });

function keyring() {
  const dataKeys = new Map<string, Buffer>();
  const vault: VaultEntry[] = [];
  const keys: MaskKeys = {
    pseudonymKey: KEY,
    dataKey: (ref) => {
      if (!dataKeys.has(ref)) dataKeys.set(ref, newDataKey());
      return dataKeys.get(ref);
    },
    onToken: (e) => vault.push(e),
  };
  return { keys, vault, dataKeys };
}

describe('generalisers', () => {
  it('cuts IPv4 to /24 and IPv6 to /48, as Postgres prints them', () => {
    expect(ipPrefix('198.51.100.54')).toBe('198.51.100.0/24');
    expect(ipPrefix('2001:db8:85a3:1234::8a2e:370:7334')).toBe('2001:db8:85a3::/48');
    expect(ipPrefix('2001:db8::1')).toBe('2001:db8::/48');
    expect(ipPrefix('2001:0:0:1::1')).toBe('2001::/48');
    expect(ipPrefix('::ffff:192.0.2.1')).toBe('::/48');
    expect(ipPrefix('not an ip')).toBeNull();
  });
  it('makes timestamps hours, birth dates years, locations countries', () => {
    expect(toHour('2026-11-01T10:35:41Z')).toBe('2026-11-01T10:00:00.000Z');
    expect(toHour('2026-11-01T12:35:41+02:00')).toBe('2026-11-01T10:00:00.000Z');
    expect(birthYear('1984-06-23')).toBe('1984');
    expect(birthYear('23.06.1984')).toBe('1984');
    expect(toCountry('DE-BE')).toBe('DE');
    expect(toCountry('Berlin, Berlin, DE')).toBe('DE');
  });
});

describe('operators', () => {
  it('pseudonymises with the keyed HMAC, stable and key-dependent', () => {
    const { keys } = keyring();
    expect(applyRule(rule('pseudonymise'), 'person_id', 'user-1', null, keys)).toBe(pseudonym('user-1', KEY));
    expect(pseudonym('user-1', KEY)).not.toBe(pseudonym('user-1', `${KEY}-rotated`));
  });
  it('partial-masks, keeping at most half of the characters', () => {
    expect(partialMask('4111 1111 1111 1111', 0, 4)).toBe('**** **** **** 1111');
    expect(partialMask('jane@example.com', 2, 3)).toBe('ja**@*******.com');
    expect(partialMask('1234', 4, 4)).toBe('12**');
  });
  it('redacts and drops', () => {
    const { keys } = keyring();
    expect(applyRule(rule('redact'), 'phone', '+1 415 555 0132', 'p_x', keys)).toBe('[phone]');
    expect(applyRule(rule('drop'), 'phone', '+1 415 555 0132', 'p_x', keys)).toBeNull();
  });
  it('tokenises into the vault under the owner key: reversible only with that key', () => {
    const { keys, vault, dataKeys } = keyring();
    const token = applyRule(rule('tokenise'), 'email', 'jane@example.com', 'p_owner', keys)!;
    expect(token).toBe(tokenFor('jane@example.com', 'email', 'p_owner', KEY));
    expect(vault).toHaveLength(1);
    expect(vault[0]!.ciphertext).not.toContain('jane');
    expect(decryptValue(dataKeys.get('p_owner')!, vault[0]!.ciphertext, vaultContext(token))).toBe('jane@example.com');
    expect(() => decryptValue(newDataKey(), vault[0]!.ciphertext, vaultContext(token))).toThrow();
    // Same input, same token and ciphertext: a re-run rewrites identical rows.
    expect(applyRule(rule('tokenise'), 'email', 'jane@example.com', 'p_owner', keys)).toBe(token);
    expect(vault[1]!.ciphertext).toBe(vault[0]!.ciphertext);
    // No owner, no key: the value is redacted rather than stored unprotected.
    expect(applyRule(rule('tokenise'), 'email', 'jane@example.com', null, keys)).toBe('[email]');
  });
  it('field-level encrypts under the owner key', () => {
    const { keys, dataKeys } = keyring();
    const enc = applyRule(rule('encrypt'), 'iban', 'DE89370400440532013000', 'p_owner', keys)!;
    expect(enc).toMatch(/^enc:p_owner:v1\./);
    expect(enc).not.toContain('DE89');
    expect(decryptValue(dataKeys.get('p_owner')!, enc.slice('enc:p_owner:'.length), 'field:iban:p_owner')).toBe('DE89370400440532013000');
  });
  it('wraps data keys under the vault key, bound to their owner', () => {
    const kek = keyBytes('vault-secret-of-at-least-32-characters!!');
    const dk = newDataKey();
    const wrapped = wrapDataKey(kek, dk, 'p_a');
    expect(unwrapDataKey(kek, wrapped, 'p_a').equals(dk)).toBe(true);
    expect(() => unwrapDataKey(kek, wrapped, 'p_b')).toThrow();
    expect(() => unwrapDataKey(keyBytes('another-vault-secret-of-32-characters!'), wrapped, 'p_a')).toThrow();
    expect(encryptValue(dk, 'x', 'c')).not.toBe(encryptValue(dk, 'x', 'd'));
  });
  it('masks each PII span of free text by its kind', () => {
    const { keys, vault } = keyring();
    const policy = maskingSchema.parse({});
    const out = maskFreeText('mail jane@example.com from 203.0.113.9, card 4111 1111 1111 1111, ssn 078-05-1123', policy.kinds, 'p_o', keys);
    expect(out).toBe(`mail ${tokenFor('jane@example.com', 'email', 'p_o', KEY)} from 203.0.113.0/24, card [credit_card], ssn [us_ssn]`);
    expect(vault).toHaveLength(1);
  });
});

describe('user agents', () => {
  it('keeps products and platform words, drops what may name a person', async () => {
    const { generaliseUserAgent } = await import('../../lib/masking');
    expect(generaliseUserAgent('Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36')).toBe('Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36');
    expect(generaliseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0')).toBe('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0');
    expect(generaliseUserAgent("StreamApp/8.2.1 (Zelda Quartermaine's iPad; iOS 17.4) by Zelda")).toBe('StreamApp/8.2.1 (iOS 17.4)');
  });
});

describe('masking policy', () => {
  it('has defaults, so a policy without a masking section stays valid', () => {
    const p = maskingSchema.parse(undefined);
    expect(p.analyticsPurpose).toBe('analytics');
    expect(p.kinds.person_id.operator).toBe('pseudonymise');
    expect(p.kinds.credit_card.operator).toBe('redact');
  });
  it('names the field of a bad rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govflow-masking-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'version: 1\npurposes:\n  - {id: analytics, requiresConsent: true}\nmasking:\n  kinds:\n    email: generalise\n    phone: {operator: partial, keepLast: 2}\n    person_id: drop\n');
    let err: unknown;
    try { loadPolicy(file); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('masking.kinds.email.operator: "generalise" applies only to');
    expect((err as Error).message).toContain('masking.kinds.person_id.operator: expected "pseudonymise" or "tokenise"');
  });
  it('reads secrets from NAME or NAME_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govflow-secret-'));
    writeFileSync(join(dir, 'k'), 'a-vault-secret-from-a-file-of-32-chars-or-more\n');
    expect(loadEnv({ GOVFLOW_VAULT_KEY_FILE: join(dir, 'k') }).vaultKey).toBe('a-vault-secret-from-a-file-of-32-chars-or-more');
    expect(() => loadEnv({ GOVFLOW_VAULT_KEY: 'short' })).toThrow(/GOVFLOW_VAULT_KEY/);
    expect(() => loadEnv({ NODE_ENV: 'production', GOVFLOW_PSEUDONYM_KEY: KEY })).toThrow(/GOVFLOW_VAULT_KEY/);
  });
});

describe('masking records', () => {
  const policy = maskingSchema.parse({});
  it('masks an access event: people, hour, IP prefix, URL path and query, user agent', () => {
    const { keys } = keyring();
    const m = maskAccessEvent({
      source: 's', event_id: 'e1', occurred_at: '2026-11-01T10:35:41Z', principal: 'agent-7', subject_id: 'user-1011',
      action: 'update', resource: '/api/v1/users/user-1011/email?new=jane.doe%40example.com&page=2&q=John%20Smith&user=user-1011',
      data_category: 'user.contact.email', purpose: 'service_delivery', outcome: 'success', source_ip: '198.51.100.20',
      region: 'eu-west-1', user_agent: "App/1.0 (Jane's phone; iOS 17.4; +1 415 555 0132) Other/2 jane@example.com",
    }, policy, keys);
    const sub = pseudonym('user-1011', KEY);
    expect(m).toMatchObject({
      occurred_hour: '2026-11-01T10:00:00.000Z', principal_key: pseudonym('agent-7', KEY), subject_key: sub,
      ip_prefix: '198.51.100.0/24', user_agent: `App/1.0 (iOS 17.4; [phone]) Other/2 ${tokenFor('jane@example.com', 'email', sub, KEY)}`,
    });
    expect(m.resource).toBe(`/api/v1/users/${sub}/email?new=[redacted]&page=2&q=[redacted]&user=${sub}`);
    expect(JSON.stringify(m)).not.toMatch(/user-1011|jane|John|198\.51\.100\.20|agent-7|415/);
  });
  it('masks an audit-trail event: actor, identifier keys and PII in the target', () => {
    const { keys } = keyring();
    const m = maskAuditTrailEvent({
      source: 's', event_id: 't1', occurred_at: '2026-11-01T10:05:00Z', actor: 'admin-alice', action: 'role.grant',
      target: 'role=data-analyst principal=bob.smith note=mail:bob@example.com', outcome: 'success', source_ip: '2001:db8:1:2::7', region: null,
    }, policy, keys);
    expect(m.actor_key).toBe(pseudonym('admin-alice', KEY));
    expect(m.ip_prefix).toBe('2001:db8:1::/48');
    expect(m.target).toBe(`role=data-analyst principal=${pseudonym('bob.smith', KEY)} note=mail:${tokenFor('bob@example.com', 'email', subjectRef('admin-alice', KEY)!, KEY)}`);
  });
});
