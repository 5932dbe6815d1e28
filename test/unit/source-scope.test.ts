import { describe, expect, it } from 'vitest';
import { joinScopedResults, sourceRegions, sourceScopes } from '../../workflow-safe/source-scope';

describe('region scopes of the steps that read raw rows', () => {
  it('has no scope at all when no source has a region (the steps run once, unscoped)', () => {
    expect(sourceRegions([{ name: 'a' }, { name: 'b' }])).toBeUndefined();
    expect(sourceScopes(undefined)).toBeUndefined();
    expect(sourceScopes({})).toBeUndefined();
  });

  it("gives each region its sources, and the rest every source but the pinned ones", () => {
    const regions = sourceRegions([{ name: 'us-a', region: 'us-east-1' }, { name: 'plain' }, { name: 'eu-a', region: 'eu-west-1' }, { name: 'us-b', region: 'us-east-1' }]);
    expect(regions).toEqual({ 'us-east-1': ['us-a', 'us-b'], 'eu-west-1': ['eu-a'] });
    expect(sourceScopes(regions)).toEqual([
      { region: 'eu-west-1', sources: ['eu-a'] },
      { region: 'us-east-1', sources: ['us-a', 'us-b'] },
      { sources: ['eu-a', 'us-a', 'us-b'], regions: ['eu-west-1', 'us-east-1'] },
    ]);
  });

  it('joins the scopes\' results: counts summed, breakdowns merged key by key, the highest attempt', () => {
    expect(joinScopedResults([
      { counts: { findings: 3, incidents: 1 }, breakdown: { findingsByRule: { a: 2, b: 1 } }, attempt: 1 },
      { counts: { findings: 4, rowsOut: 4 }, breakdown: { findingsByRule: { b: 3 }, other: { x: 1 } }, attempt: 2 },
      { counts: { findings: 0 } },
    ])).toEqual({
      counts: { findings: 7, incidents: 1, rowsOut: 4 },
      breakdown: { findingsByRule: { a: 2, b: 4 }, other: { x: 1 } },
      attempt: 2,
    });
    expect(joinScopedResults([{ counts: { n: 1 } }])).toEqual({ counts: { n: 1 } });
  });
});
