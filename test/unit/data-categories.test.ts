import { describe, expect, it } from 'vitest';
import { DATA_CATEGORIES, DATA_KINDS, ENTITY_KIND } from '../../masking/data-categories';
import { PII_ENTITIES } from '../../masking/detector';
import { loadPolicy } from '../../policy/policy';

// One vocabulary for kinds of personal data: fideslang categories in policies, Presidio entity
// types in the detector, one table between them.

describe('data categories', () => {
  it('gives every entity the detector finds a kind, whose Presidio type is that entity', () => {
    for (const e of PII_ENTITIES) {
      expect(ENTITY_KIND[e], e).toBeDefined();
      expect(DATA_CATEGORIES[ENTITY_KIND[e]].presidio).toBe(e);
    }
    expect(ENTITY_KIND.IBAN_CODE).toBe('iban');
    expect(DATA_CATEGORIES.iban.fideslang).toBe('user.financial.bank_account');
  });

  it('names each kind by a distinct fideslang category under user.', () => {
    const names = DATA_KINDS.map((k) => DATA_CATEGORIES[k].fideslang);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^user(\.[a-z_]+)+$/);
  });

  it('the shipped policy writes masking kinds by fideslang category', () => {
    const { policy } = loadPolicy('policy.yaml');
    expect(policy.masking.kinds.email.operator).toBe('tokenise');
    expect(policy.masking.kinds.person_id.operator).toBe('pseudonymise');
  });
});
