import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policy/policy';
import { ConfigError } from '../../config/config-error';
import { policyTables } from '../../audit/policy-tables';
import { globToLike } from '../../policy/glob';
import { SCENARIO_POLICY } from '../support/scenario';

function policyFile(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

function problemsOf(doc: unknown): { file: string; message: string } {
  const file = policyFile(doc);
  try {
    loadPolicy(file);
  } catch (err) {
    if (err instanceof ConfigError) return { file, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const base = { version: 1, purposes: [{ id: 'analytics', requiresConsent: true }, { id: 'security', requiresConsent: false }] };

describe('the access and audit sections of the policy', () => {
  it('keeps a policy without them valid, with defaults that leave principal rules silent', () => {
    const { policy } = loadPolicy(policyFile(base));
    expect(policy.access.principals).toEqual([]);
    expect(policy.audit.bruteForce).toEqual({ minFailures: 5, withinMinutes: 10, severity: 'high' });
    expect(policy.audit.privilegedActions.map((a) => a.name)).toContain('audit logging stopped or deleted');
    expect(policy.retention.accessEventsDays).toBe(400);
  });

  it('loads the shipped policy.yaml and the scenario policy', () => {
    expect(loadPolicy('policy.yaml').policy.access.roles.length).toBeGreaterThan(0);
    expect(loadPolicy(policyFile(SCENARIO_POLICY)).policy.access.principals.length).toBe(8);
  });

  it('names the file, the path and the expectation of each mistake', () => {
    const { file, message } = problemsOf({
      ...base,
      audit: { bruteForce: { minFailures: 0, withinMinutes: 'ten' }, severity: { rbacViolation: 'urgent' } },
      access: {
        dataCategories: ['User.Contact'],
        roles: [{ id: 'support', allow: [{ actions: [], categories: ['user..email'], purposes: ['analytics'], when: { hours: { from: 25, to: 3, timeZone: 'Mars/Olympus' } } }] }],
        principals: [{ id: 'a', deactivated: 'last week' }],
        sovereignty: [{ name: 'eu', subjects: 'eu-*', regions: [] }],
      },
    });
    expect(message).toContain(`${file} is invalid`);
    expect(message).toContain('audit.bruteForce.minFailures: expected a whole number of at least 1');
    expect(message).toContain('audit.bruteForce.withinMinutes:');
    expect(message).toContain('audit.severity.rbacViolation: expected one of low, medium, high, critical');
    expect(message).toContain('access.dataCategories.0: expected a fideslang-style dotted category');
    expect(message).toContain('access.roles.0.allow.0.actions: expected at least one action');
    expect(message).toContain('access.roles.0.allow.0.when.hours.from: expected an hour from 0 to 23');
    expect(message).toContain('access.roles.0.allow.0.when.hours.timeZone: expected an IANA time zone');
    expect(message).toMatch(/access\.principals\.0\.deactivated: /);
    expect(message).toContain('access.sovereignty.0.regions: expected at least one allowed region pattern');
  });

  it('checks that roles, purposes and categories referred to are declared', () => {
    const { message } = problemsOf({
      ...base,
      access: {
        dataCategories: ['user.contact.email'],
        roles: [
          { id: 'support', allow: [{ actions: ['read'], categories: ['user.financial'], purposes: ['marketing'] }] },
          { id: 'support', allow: [{ actions: ['read'], categories: ['user.contact'], purposes: ['*'] }] },
        ],
        principals: [{ id: 'a', roles: ['auditor'] }, { id: 'b', aliases: ['a'] }],
      },
    });
    expect(message).toContain('access.roles.0.allow.0.purposes.0: expected a purpose declared under purposes (got "marketing")');
    expect(message).toContain('access.roles.0.allow.0.categories.0: expected a category under access.dataCategories (got "user.financial")');
    expect(message).toContain('access.roles.1.id: "support" is declared twice');
    expect(message).toContain('access.principals.0.roles.0: expected a role declared under access.roles (got "auditor")');
    expect(message).toContain('access.principals.1.id: "a" names two principals');
    expect(message).not.toContain('user.contact"');
  });
});

describe('the policy as SQL rows', () => {
  it('turns globs into LIKE patterns, escaping LIKE wildcards', () => {
    expect(globToLike('eu-*')).toBe('eu-%');
    expect(globToLike('user_?')).toBe('user\\__');
    expect(globToLike('100%')).toBe('100\\%');
  });

  it('expands roles per principal and alias, with conditions and deactivation', () => {
    const t = policyTables(loadPolicy(policyFile(SCENARIO_POLICY)).policy);
    expect(t.principals).toContainEqual({ name: 'arn:aws:iam::123456789012:user/ops-admin', principal_id: 'ops-admin', deactivated_at: null });
    expect(t.principals).toContainEqual({ name: 'ex-employee', principal_id: 'ex-employee', deactivated_at: '2026-01-01T00:00:00Z' });
    expect(t.grants.filter((g) => g.principal_id === 'agent-1')).toEqual([{
      principal_id: 'agent-1', action_like: 'read', category: 'user.account', purpose: 'service_delivery',
      region_likes: ['eu-%'], require_justification: true, hour_from: 8, hour_to: 18, time_zone: 'UTC',
    }]);
    expect(t.sovereignty).toEqual([{ name: 'eu-residents', subjects_like: 'eu-%', region_likes: ['eu-%'] }]);
  });
});
