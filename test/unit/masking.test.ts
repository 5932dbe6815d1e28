import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRule, birthYear, ipPrefix, partialMask, toCountry, toHour, tokenFor, vaultContext, type MaskKeys, type VaultEntry } from '../../masking/operators';
import { generaliseUserAgent } from '../../masking/ua';
import { compileRoutes } from '../../masking/route-template';
import { maskingSchema, type MaskRule } from '../../policy/masking';
import { decryptValue, encryptValue, keyBytes, newDataKey, unwrapDataKey, wrapDataKey } from '../../masking/vault/crypto';
import { maskAccessEvent, maskAuditTrailEvent, subjectRef } from '../../masking/mask-record';
import { pseudonym } from '../../masking/pseudonym';
import { loadPolicy } from '../../policy/policy';
import { ConfigError } from '../../config/config-error';
import { loadEnv } from '../../config/config';
import { describe, expect, it, vi } from 'vitest';

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
    expect(ipPrefix('fe80::1%eth0')).toBe('fe80::/48');
    expect(ipPrefix('not an ip')).toBeNull();
  });
  it('generalises an IPv6 address that carries an IPv4 address as that IPv4 address (P-05)', () => {
    // IPv4-mapped (RFC 4291): the client's IPv4 /24, not "::/48", which says nothing.
    expect(ipPrefix('::ffff:192.0.2.1')).toBe('192.0.2.0/24');
    // 6to4 (RFC 3056): the /48 would be 2002:c000:221::/48, the whole of 192.0.2.33.
    expect(ipPrefix('2002:c000:221::1')).toBe('192.0.2.0/24');
    expect(ipPrefix('2002:cb00:7142::5e')).toBe('203.0.113.0/24');
    // NAT64 well-known prefix (RFC 6052), hex or dotted tail.
    expect(ipPrefix('64:ff9b::cb00:7142')).toBe('203.0.113.0/24');
    expect(ipPrefix('64:ff9b::198.51.100.7')).toBe('198.51.100.0/24');
    // Teredo (RFC 4380): the client address is the last 32 bits inverted (RFC 4380 §4's example).
    expect(ipPrefix('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toBe('192.0.2.0/24');
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
});

describe('user agents', () => {
  it('are rebuilt from the parsed product, OS and device class: nothing else of the string survives', () => {
    expect(generaliseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36')).toBe('Chrome/130.0 (Windows 10; desktop)');
    expect(generaliseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1')).toBe('Safari/17.4 (iOS 17.4; mobile; Apple)');
    expect(generaliseUserAgent('Roku/DVP-12.5 (12.5.0.4178)')).toBe('Roku/12.5 (Roku 12.5; tv)');
    expect(generaliseUserAgent('curl/8.4.0')).toBe('curl/8.4');
    expect(generaliseUserAgent("StreamApp/8.2.1 (Zelda Quartermaine's iPad; iOS 17.4) by Zelda +44 20 7946 0958 jane@example.com")).toBe('StreamApp/8.2 (iOS; tablet; Apple)');
    expect(generaliseUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8 of Jane Doe) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36')).toBe('Chrome/120.0 (Android 14; mobile)');
    // A product token that is not a name is not kept either.
    expect(generaliseUserAgent('jane.doe@example.com/1.0')).toBe('{ua}');
  });
  it('reports the kinds of personal data the original held', () => {
    const found: string[] = [];
    generaliseUserAgent('App/1.0 (+44 20 7946 0958) jane@example.com', found as never);
    expect(found.sort()).toEqual(['EMAIL_ADDRESS', 'PHONE_NUMBER']);
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
    writeFileSync(file, 'version: 1\npurposes:\n  - {id: analytics, requiresConsent: true}\nmasking:\n  kinds:\n    user.contact.email: generalise\n    user.contact.phone_number: {operator: partial, keepLast: 2}\n    user.unique_id: drop\n    user.contact.fax: redact\n');
    let err: unknown;
    try { loadPolicy(file); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('masking.kinds.user.contact.email.operator: "generalise" applies only to user.device.ip_address, user.behavior');
    expect((err as Error).message).toContain('masking.kinds.user.unique_id.operator: expected "pseudonymise" or "tokenise"');
    expect((err as Error).message).toContain('user.contact.fax');
  });
  it('keys kinds by fideslang data category; a short name of earlier policies still works, with one warning line naming every rename', () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((m: string) => void warnings.push(m));
    try {
      const p = maskingSchema.parse({ kinds: { 'user.contact.email': 'redact', phone: 'drop', ip_address: 'drop' } });
      expect(p.kinds.email.operator).toBe('redact');
      expect(p.kinds.phone.operator).toBe('drop');
      expect(p.kinds.person_id.operator).toBe('pseudonymise');
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toEqual([
      'govflow: policy masking.kinds short names are deprecated; write their fideslang data categories: phone → user.contact.phone_number, ip_address → user.device.ip_address',
    ]);
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
      ip_prefix: '198.51.100.0/24', user_agent: 'App/1.0',
    });
    // The address in a query value is one piece of personal data: its operator (tokenise) applies;
    // a free-form value is a placeholder of its kind; page=2 is an allow-listed short number.
    expect(m.resource).toBe(`/api/v1/users/${sub}/email?new=${tokenFor('jane.doe@example.com', 'email', sub, KEY)}&page=2&q={text}&user=${sub}`);
    expect(JSON.stringify(m)).not.toMatch(/user-1011|jane|John|198\.51\.100\.20|agent-7|415/);
  });
  it('keeps path words of the safe shape, unless routes are declared or literals are learned from the traffic', () => {
    const { keys } = keyring();
    const path = (resource: string, o: Parameters<typeof maskAccessEvent>[3] = {}) => maskAccessEvent({
      source: 's', event_id: 'e', occurred_at: '2026-11-01T10:00:00Z', principal: 'svc-api', subject_id: null, action: 'read',
      resource, data_category: null, purpose: null, outcome: 'success', source_ip: null, region: null, user_agent: null,
    }, policy, keys, o).resource;
    // The shape alone: a lower-case joined word is indistinguishable from a route word.
    expect(path('/api/v1/users/jane_doe/profile')).toBe('/api/v1/users/jane_doe/profile');
    expect(path('/api/v1/users/Jane%20Doe/profile')).toBe('/api/v1/users/{text}/profile');
    // A declared route: its parameters are always placeholders.
    expect(path('/api/v1/users/jane_doe/watch-history', { routes: compileRoutes(['/api/v1/users/{id}/watch-history']) })).toBe('/api/v1/users/{id}/watch-history');
    // Learned literals: only words enough principals requested at that position.
    const vocabulary = new Set(['1/api', '2/v1', '3/users', '5/profile']);
    expect(path('/api/v1/users/jane_doe/profile', { vocabulary })).toBe('/api/v1/users/{text}/profile');
  });
  it('keeps an anonymous principal marker as it is, and never substitutes it into other fields (P-05)', () => {
    const { keys } = keyring();
    const m = maskAccessEvent({
      source: 's', event_id: 'p05-1', occurred_at: '2026-11-01T10:02:00Z', principal: '-', subject_id: null, action: 'read',
      resource: '/api/v1/catalog/titles/8812', data_category: null, purpose: 'service_delivery', outcome: 'success',
      source_ip: '2002:c000:221::1', region: 'eu-central-1', user_agent: 'Roku/DVP-12.5 (12.5.0.4178)',
    }, policy, keys, { anonymous: ['-', 'anonymous'] });
    expect(m).toMatchObject({ principal_key: '-', resource: '/api/v1/catalog/titles/{id}', ip_prefix: '192.0.2.0/24', user_agent: 'Roku/12.5 (Roku 12.5; tv)' });
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
  it('masks audit targets by their grammar: ARNs, object references, S3 URLs, request URIs, quoted logfmt values', () => {
    const { keys } = keyring();
    const target = (t: string) => maskAuditTrailEvent({
      source: 's', event_id: 't', occurred_at: '2026-11-01T10:05:00Z', actor: 'zelda.quartermaine', action: 'x', target: t, outcome: 'success', source_ip: null, region: null,
    }, policy, keys).target;
    expect(target('arn:aws:iam::123456789012:user/jane.doe,arn:aws:s3:::my-bucket/reports/2026')).toBe('arn:aws:iam::{account}:user/{text},arn:aws:s3:::my-bucket/reports/{id}');
    expect(target('kube-system/secrets/db-password')).toBe('kube-system/secrets/db-password');
    expect(target('default/pods/web-7d9f8b6c5-x2x4z/exec')).toBe('default/pods/{id}/exec');
    expect(target('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).toBe('/api/v1/namespaces/default/pods?labelSelector={text}');
    expect(target('s3://data-lake/exports/jane.doe@example.com.csv')).toMatch(/^s3:\/\/data-lake\/exports\/tok_[0-9a-f]{32}$/);
    expect(target('iam.amazonaws.com')).toBe('iam.amazonaws.com');
    expect(target('client=2002:c000:221::1 peer=::ffff:198.51.100.7')).toBe('client=192.0.2.0/24 peer=198.51.100.0/24');
    // The actor's own name is never a literal, whatever its shape.
    expect(target('profile/zelda-settings')).toBe('profile/{text}');
    // P-10: a quoted value is one value, however many words it holds.
    expect(target('msg="card 4111 1111 1111 1111 added" account=acct-5001')).toBe(`msg={card} account=${pseudonym('acct-5001', KEY)}`);
    expect(target('payout_iban="DE76 5001 0517 0648 2915 37" phone="+44 20 7946 0123" note="Zelda called"')).toBe('payout_iban=[iban] phone=[phone] note={text}');
  });
});
