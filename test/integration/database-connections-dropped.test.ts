import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';

// The short form of the chaos harness's PostgreSQL restart (npm run chaos): the server drops every
// connection of the worker's pool while they sit idle. node-postgres then emits an 'error' on the
// pool; unheard, it ends the worker process (this very test process here). The worker must shrug
// it off and run the next run on fresh connections.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('a worker whose database connections are dropped', () => {
  it('keeps running and completes the next run', async () => {
    const first = await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `drop-1-${Date.now()}`, args: [{ window: SAMPLE_WINDOW }] });
    expect(first.status).toBe('completed');
    // What a server restart does to idle connections (the harness's own queries use a pool too: a fresh client here).
    const [{ n }] = (await h.sql(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and application_name = 'govflow' and pid <> pg_backend_pid()`,
    )) as [{ n: number }];
    expect(n).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500)); // the 'error' events arrive on the next ticks
    const second = await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `drop-2-${Date.now()}`, args: [{ window: SAMPLE_WINDOW }] });
    expect(second.status).toBe('completed');
    expect(second.kpis.eventsIngested).toBe(first.kpis.eventsIngested);
  });
});
