import { describe, expect, it } from 'vitest';
import { resolveInput } from '../../workflow-safe/run-input';
import { runsQuery } from '../../cli/runs';
import { assertSameConfig } from '../../worker/live-config';
import type { GovflowConfig } from '../../config/config';

const now = new Date('2026-11-01T12:34:56Z');
const TASKS = ['ingest', 'audit'];
const h = (c: string) => c.repeat(64);
const expected = { configFile: '/etc/govflow/other.yaml', configHash: h('a'), policyFile: '/etc/govflow/policy.yaml', policyHash: h('b') };

describe('expectedConfig in governanceRun input', () => {
  it('passes through a well-formed expectation and names a malformed field', () => {
    expect(resolveInput({ expectedConfig: expected }, now, TASKS).expectedConfig).toEqual(expected);
    expect(resolveInput({}, now, TASKS)).not.toHaveProperty('expectedConfig');
    expect(() => resolveInput({ expectedConfig: { ...expected, policyHash: 'abc' } }, now, TASKS)).toThrow(/expectedConfig\.policyHash: expected a sha256 in hex/);
    expect(() => resolveInput({ expectedConfig: 'x' }, now, TASKS)).toThrow(/expectedConfig\.configFile: expected a file path/);
  });
});

describe("a worker's config against the expected one", () => {
  const worker = { file: '/srv/govflow.yaml', hash: h('a'), policy: { file: '/srv/policy.yaml', hash: h('c') } } as unknown as GovflowConfig;

  it('accepts the same contents under other paths', () => {
    expect(() => assertSameConfig({ ...worker, policy: { ...worker.policy, hash: h('b') } } as GovflowConfig, expected)).not.toThrow();
  });

  it('names exactly the file that differs, both paths, and what to do', () => {
    expect(() => assertSameConfig(worker, expected)).toThrow(
      "the run was refused: policy /etc/govflow/policy.yaml (sha256 bbbbbbbbbbbb) is not the worker's /srv/policy.yaml (sha256 cccccccccccc). " +
        "Restart the worker with --config /etc/govflow/other.yaml, or start the run without --config to use the worker's",
    );
  });
});

describe('govflow runs scope', () => {
  it("keeps to this deployment's task queue unless told otherwise", () => {
    expect(runsQuery({ taskQueue: 'governance', status: 'failed' })).toBe("WorkflowType = 'governanceRun' AND TaskQueue = 'governance' AND ExecutionStatus = 'Failed'");
    expect(runsQuery({})).toBe("WorkflowType = 'governanceRun'");
  });
});
