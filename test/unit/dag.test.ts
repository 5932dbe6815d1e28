import { describe, expect, it } from 'vitest';
import { propagateUpstreamFailures, readyTasks, validateDag, type TaskStatus } from '../../lib/dag';
import { GOVERNANCE_DAG } from '../../workflows/governance';

const dag = GOVERNANCE_DAG.map(({ id, upstream }) => ({ id, upstream }));
const states = (s: Record<string, TaskStatus['state']>): Record<string, TaskStatus> =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { state: v }]));

describe('DAG bookkeeping', () => {
  it('accepts the governance DAG and rejects broken ones', () => {
    expect(() => validateDag(dag)).not.toThrow();
    expect(() => validateDag([{ id: 'a', upstream: ['b'] }, { id: 'b', upstream: ['a'] }])).toThrow(/cycle a -> b -> a/);
    expect(() => validateDag([{ id: 'a', upstream: ['zzz'] }])).toThrow(/unknown task "zzz"/);
    expect(() => validateDag([{ id: 'a', upstream: [] }, { id: 'a', upstream: [] }])).toThrow(/declared twice/);
  });

  it('starts audit and consent together once ingest succeeded', () => {
    const s = states({ ingest: 'success', audit: 'pending', consent: 'pending', mask: 'pending', report: 'pending', alert: 'pending' });
    expect(readyTasks(dag, s)).toEqual(['audit', 'consent']);
  });

  it('treats skipped (already succeeded) upstreams as done', () => {
    const s = states({ ingest: 'skipped', audit: 'skipped', consent: 'skipped', mask: 'pending', report: 'pending', alert: 'pending' });
    expect(readyTasks(dag, s)).toEqual(['mask']);
  });

  it('marks everything downstream of a failure upstream_failed, and nothing else', () => {
    const s = states({ ingest: 'success', audit: 'running', consent: 'success', mask: 'failed', report: 'pending', alert: 'pending' });
    expect(propagateUpstreamFailures(dag, s).sort()).toEqual(['alert', 'report']);
    expect(s.audit!.state).toBe('running');
    expect(readyTasks(dag, s)).toEqual([]);
  });
});
