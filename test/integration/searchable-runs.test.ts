import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';
import { eventually } from '../support/eventually';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import { TRIGGER, VIOLATIONS, WINDOW_START } from '../../workflow-safe/search-attributes';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../../cli/dev-server';
import { ensureTemporalCli } from '../../cli/temporal-binary';
import { registerSearchAttributes } from '../../temporal/search-attributes';

// Runs carry govflow's search attributes, so they can be found in the Temporal UI and with
// `govflow runs --query`.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('searchable runs', () => {
  const prefix = `sa-${randomBytes(3).toString('hex')}`;
  const sampleId = `${prefix}-sample`;
  const quietId = `${prefix}-quiet`;

  it('sets window start, trigger and violations on each run; how it ended is Temporal\'s ExecutionStatus', async () => {
    await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: sampleId, args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }] });
    await h.client.workflow.execute('governanceRun', {
      taskQueue: h.taskQueue,
      workflowId: quietId,
      args: [{ window: { start: '2026-11-01T03:00:00Z', end: '2026-11-01T04:00:00Z' } }],
    });
    const d = await h.client.workflow.getHandle(sampleId).describe();
    expect(d.typedSearchAttributes.get(WINDOW_START)?.toISOString()).toBe('2026-11-01T10:00:00.000Z');
    expect(d.typedSearchAttributes.get(TRIGGER)).toBe('cli');
    expect(d.status.name).toBe('COMPLETED');
    expect(d.searchAttributes).not.toHaveProperty('GovflowStatus');
    expect(d.typedSearchAttributes.get(VIOLATIONS)).toBe(2);
    const q = await h.client.workflow.getHandle(quietId).describe();
    expect(q.typedSearchAttributes.get(VIOLATIONS)).toBe(0);
    expect(q.typedSearchAttributes.get(TRIGGER)).toBe('manual');
  });

  it('govflow runs --query filters on them', async () => {
    const query = `WorkflowId STARTS_WITH '${prefix}' AND GovflowViolations > 0 AND ExecutionStatus = 'Completed'`;
    const rows = await eventually(async () => {
      const r = await runGovflow(h, ['runs', '--query', query, '--json']);
      const list = JSON.parse(r.stdout) as { workflowId: string }[];
      return list.length ? list : undefined;
    }, 'visibility to index the runs');
    expect(rows.map((r) => r.workflowId)).toEqual([sampleId]);

    const byWindow = await runGovflow(h, ['runs', '--query', `WorkflowId STARTS_WITH '${prefix}' AND GovflowWindowStart < '2026-11-01T06:00:00Z'`]);
    expect(byWindow.stdout).toContain(quietId);
    expect(byWindow.stdout).not.toContain(sampleId);
    expect(byWindow.stdout).toMatch(/WORKFLOW ID\s+STATUS\s+WINDOW START\s+TRIGGER\s+VIOLATIONS/);
  });

  it('registers the search attributes on a Temporal that lacks them (govflow dev on an existing server)', async () => {
    const bare = await startDevServer({ binary: await ensureTemporalCli() });
    try {
      const logged: string[] = [];
      await registerSearchAttributes(bare.address, 'default', (l) => logged.push(l));
      await registerSearchAttributes(bare.address, 'default', (l) => logged.push(l));
      expect(logged).toEqual([
        'govflow: registered search attributes GovflowWindowStart, GovflowTrigger, GovflowViolations in namespace default',
      ]);
      const connection = await Connection.connect({ address: bare.address });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      await connection.close();
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['GovflowWindowStart', 'GovflowTrigger', 'GovflowViolations']));
    } finally {
      await bare.stop();
    }
  });

  it("govflow runs lists this deployment's runs (its task queue) unless --all", async () => {
    // Another deployment on the same namespace: its own task queue (nobody needs to poll it).
    const otherId = `${prefix}-other-deployment`;
    const other = await h.client.workflow.start('governanceRun', { taskQueue: `${h.taskQueue}-other`, workflowId: otherId, args: [{}] });
    try {
      const query = `WorkflowId STARTS_WITH '${prefix}'`;
      const all = await eventually(async () => {
        const r = await runGovflow(h, ['runs', '--all', '--query', query, '--json']);
        const ids = (JSON.parse(r.stdout) as { workflowId: string }[]).map((x) => x.workflowId);
        return ids.includes(otherId) ? ids : undefined;
      }, 'visibility to index the other deployment\'s run');
      expect(all.sort()).toEqual([otherId, quietId, sampleId].sort());

      const mine = await runGovflow(h, ['runs', '--query', query]);
      expect(mine.code).toBe(0);
      expect(mine.stdout).toContain(sampleId);
      expect(mine.stdout).toContain(quietId);
      expect(mine.stdout).not.toContain(otherId);
      expect(mine.stderr).toContain(`runs on task queue "${h.taskQueue}" of namespace "default" (--all: every task queue)`);
    } finally {
      await other.terminate('test over');
    }
  });

  it('explains a query Temporal rejects', async () => {
    const r = await runGovflow(h, ['runs', '--query', 'NoSuchAttribute = 1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--query: Temporal rejected the query');
  });
});
