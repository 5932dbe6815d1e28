import { describe, expect, it } from 'vitest';
import { initialStates, propagateUpstreamFailures, readyTasks, validateDag, type TaskStatus } from '../../workflow-safe/dag';
import { GOVERNANCE_DAG } from '../../workflows/governance';

const dag = GOVERNANCE_DAG.map(({ id, upstream, after }) => ({ id, upstream, after }));
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
    const s = states({ ingest: 'success', audit: 'pending', consent: 'pending', mask: 'pending', report: 'pending', email: 'pending', export: 'pending', alert: 'pending' });
    expect(readyTasks(dag, s)).toEqual(['audit', 'consent']);
  });

  it('treats skipped (already succeeded) upstreams as done', () => {
    const s = states({ ingest: 'skipped', audit: 'skipped', consent: 'skipped', mask: 'pending', report: 'pending', email: 'pending', export: 'pending', alert: 'pending' });
    expect(readyTasks(dag, s)).toEqual(['mask', 'alert']);
  });

  it('marks everything downstream of a failure upstream_failed, and nothing else', () => {
    const s = states({ ingest: 'success', audit: 'running', consent: 'success', mask: 'failed', report: 'pending', email: 'pending', export: 'pending', alert: 'pending' });
    expect(propagateUpstreamFailures(dag, s).sort()).toEqual(['email', 'export', 'report']);
    expect(s.audit!.state).toBe('running');
    expect(s.alert!.state).toBe('pending');
    expect(readyTasks(dag, s)).toEqual([]);
    s.audit!.state = 'success';
    // The alert needs only audit and consent: a failed mask never holds it back.
    expect(readyTasks(dag, s)).toEqual(['alert']);
  });

  it('starts the alert before the mask is done, and the report only once the alert has finished, however it ended', () => {
    const s = states({ ingest: 'success', audit: 'success', consent: 'success', mask: 'running', report: 'pending', email: 'pending', export: 'pending', alert: 'pending' });
    expect(readyTasks(dag, s)).toEqual(['alert']);
    s.mask!.state = 'success';
    s.alert!.state = 'running';
    expect(readyTasks(dag, s)).toEqual([]);
    s.alert!.state = 'failed';
    expect(propagateUpstreamFailures(dag, s)).toEqual([]);
    expect(readyTasks(dag, s)).toEqual(['report']);
  });

  it('starts skipped tasks as skipped and every other one pending', () => {
    const s = initialStates(dag, ['ingest', 'audit']);
    expect(Object.keys(s)).toEqual(dag.map((t) => t.id));
    expect(s.ingest!.state).toBe('skipped');
    expect(s.consent!.state).toBe('pending');
    expect(readyTasks(dag, s)).toEqual(['consent']);
  });

  it('fixtures above name every task of the governance DAG', () => {
    expect(dag.map((t) => t.id).sort()).toEqual(['alert', 'audit', 'consent', 'email', 'export', 'ingest', 'mask', 'report']);
  });

  it('checks `after` like upstreams: known tasks, no cycles', () => {
    expect(() => validateDag([{ id: 'a', upstream: [], after: ['zzz'] }])).toThrow(/unknown task "zzz"/);
    expect(() => validateDag([{ id: 'a', upstream: ['b'] }, { id: 'b', upstream: [], after: ['a'] }])).toThrow(/cycle/);
  });
});
