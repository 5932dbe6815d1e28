import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { holdMaskStep } from '../support/broken-mask';
import { eventually } from '../support/eventually';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import { statusQuery } from '../../workflows/dag-runner';
import type { GovernanceResult } from '../../workflows/governance';

// A run past its deadline raises one alert and keeps going. The run is held up for real: the
// test locks the table the mask step writes, and lets go once the alert is there.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('run deadline', () => {
  it('raises a deadline alert for a run past its deadline, without stopping it', async () => {
    const workflowId = `deadline-${Date.now()}`;
    const release = await holdMaskStep(h);
    let handle;
    try {
      handle = await h.client.workflow.start('governanceRun', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ window: SAMPLE_WINDOW, deadlineSeconds: 1 }],
      });
      const alert = await eventually(async () => {
        const [a] = await h.sql('select * from govflow.alerts where dedupe_key = $1', [`deadline:${workflowId}`]);
        return a;
      }, 'the deadline alert');
      expect(alert).toMatchObject({ workflow_id: workflowId, status: 'open', severity: 'medium', occurrences: 1 });
      expect(alert.title).toBe(`Run ${workflowId} has exceeded its 1 s deadline`);
      expect(alert.summary).toContain('it has not been stopped');
      // The deadline (1 s) may pass before the run reaches the held mask step (ingest, the late-data
      // check, audit and consent come first): it must still get there and be held, not stopped.
      const h2 = handle;
      const status = await eventually(async () => {
        const s = await h2.query(statusQuery);
        return s.tasks.mask!.state === 'pending' ? undefined : s;
      }, 'the mask step to start');
      expect(status.state).toBe('running');
      expect(status.tasks.mask!.state).toBe('running');
    } finally {
      await release();
    }
    const result = (await handle!.result()) as GovernanceResult;
    expect(result.status).toBe('completed');
    const [alert] = await h.sql('select occurrences from govflow.alerts where dedupe_key = $1', [`deadline:${workflowId}`]);
    expect(alert!.occurrences).toBe(1);
  });

  it('raises none for a run that ends within the policy deadline (60 minutes by default)', async () => {
    expect(h.config.policy.policy.runs.deadlineMinutes).toBe(60);
    const workflowId = `in-time-${Date.now()}`;
    const result = await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW }] });
    expect(result.status).toBe('completed');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    // The timer was started and then cancelled when the run ended.
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).toContain(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED);
    expect(types).toContain(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_CANCELED);
    expect(await h.sql('select 1 from govflow.alerts where dedupe_key = $1', [`deadline:${workflowId}`])).toEqual([]);
  });
});
