import { afterEach, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { governanceRun, GOVERNANCE_DAG } from '../../workflows/governance';
import { statusQuery } from '../../workflows/dag-runner';
import type { TaskResult, TaskStatus } from '../../workflow-safe/dag';
import { waitForRun } from '../../cli/commands/run';
import { LEDGER_ACTIVITIES, startStubWorker, succeed, untilCancelled, type Call, type StubWorker } from '../support/stub-worker';

// The DAG runner's behaviour, on the real governance workflow and a real dev server, with stub
// activities that succeed, fail, wait and get cancelled: no Postgres, so each case takes a second.

const WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };
// An explicit deadline: the run asks no policy for one (a local activity the stubs lack).
const INPUT = { window: WINDOW, trigger: 'cli' as const, deadlineSeconds: 3600 };
const TASKS = GOVERNANCE_DAG.map((t) => t.id);

let w: StubWorker | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

let n = 0;
const start = (worker: StubWorker, input: object = INPUT) =>
  worker.client.workflow.start(governanceRun, { taskQueue: worker.taskQueue, workflowId: `dag-${Date.now()}-${n++}`, args: [input] });

const statesOf = (tasks: Record<string, TaskStatus>) => Object.fromEntries(Object.entries(tasks).map(([k, v]) => [k, v.state]));
const fails = (message: string) => async (): Promise<TaskResult> => {
  throw ApplicationFailure.nonRetryable(message, 'StubFailure');
};
const slow = (ms: number) => async (): Promise<TaskResult> => {
  await new Promise((r) => setTimeout(r, ms));
  return { counts: { ok: 1 }, attempt: 1 };
};
const finishRunInput = (c: Call) => c.args[0] as { status: string; tasks: Record<string, TaskStatus> };

describe('the DAG runner, with stub activities', () => {
  it('runs every task once, and writes the ledger a handful of times: start, per finished batch, end', async () => {
    w = await startStubWorker();
    const result = await (await start(w)).result();
    expect(result.status).toBe('completed');
    expect(statesOf(result.tasks)).toEqual(Object.fromEntries(TASKS.map((t) => [t, 'success'])));
    for (const a of ['ingest', 'audit', 'consent', 'mask', 'report', 'emailReport', 'alert']) expect(w.callsOf(a), a).toHaveLength(1);

    const writes = w.calls.filter((c) => LEDGER_ACTIVITIES.includes(c.name));
    expect(writes[0]!.name).toBe('startRun');
    expect(writes.at(-1)!.name).toBe('finishRun');
    expect(finishRunInput(writes.at(-1)!)).toMatchObject({ status: 'completed', tasks: result.tasks });
    // The runner writes only after a task finished and while others still run (the last
    // batch goes with finishRun): at most one write per task but the last, plus start and end.
    // The runner before this one wrote 17: two per task, the initial states, start and end.
    expect(w.callsOf('recordTasks').length).toBeLessThanOrEqual(TASKS.length - 1);
    expect(writes.length).toBeLessThanOrEqual(TASKS.length + 1);
    for (const c of w.callsOf('recordTasks')) {
      const tasks = (c.args[0] as { tasks: Record<string, TaskStatus> }).tasks;
      expect(Object.values(tasks).some((t) => t.state === 'success'), 'each write carries a finished task').toBe(true);
    }
  });

  it('a failing task marks its downstream upstream_failed, the rest still runs, and the run fails', async () => {
    w = await startStubWorker({ mask: fails('mask broke') });
    const handle = await start(w);
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.message).toBe('governance run failed at mask: mask broke');
    const status = await handle.query(statusQuery);
    expect(status.state).toBe('failed');
    expect(statesOf(status.tasks)).toEqual({
      ingest: 'success', audit: 'success', consent: 'success', mask: 'failed', report: 'upstream_failed', email: 'upstream_failed', alert: 'success', export: 'upstream_failed',
    });
    expect(status.tasks.mask!.error).toBe('mask broke');
    expect(w.callsOf('report')).toHaveLength(0);
    expect(w.callsOf('emailReport')).toHaveLength(0);
    expect(finishRunInput(w.callsOf('finishRun')[0]!)).toMatchObject({ status: 'failed', tasks: { report: { state: 'upstream_failed' } } });
  });

  it('skipTasks are skipped: not called, recorded skipped, and count as done for their downstream', async () => {
    w = await startStubWorker();
    const result = await (await start(w, { ...INPUT, skipTasks: ['ingest', 'audit', 'consent'] })).result();
    expect(result.status).toBe('completed');
    expect(statesOf(result.tasks)).toMatchObject({ ingest: 'skipped', audit: 'skipped', consent: 'skipped', mask: 'success', alert: 'success' });
    for (const a of ['ingest', 'audit', 'consent']) expect(w.callsOf(a), a).toHaveLength(0);
    expect(w.callsOf('mask')).toHaveLength(1);
  });

  it('`after` orders without depending: the report starts once the alert ended, even when the alert failed', async () => {
    w = await startStubWorker({ alert: async () => (await slow(700)(), fails('alert broke')()) });
    const err = await (await start(w)).result().then(() => undefined, (e: unknown) => e);
    expect((err as WorkflowFailedError).cause?.message).toBe('governance run failed at alert: alert broke');
    const [alert] = w.callsOf('alert');
    const [report] = w.callsOf('report');
    expect(report, 'the report ran despite the failed alert').toBeDefined();
    expect(report!.startedAt).toBeGreaterThanOrEqual(alert!.endedAt!);
    expect(w.callsOf('emailReport')).toHaveLength(1);
  });

  it('independent tasks run in parallel: audit and consent overlap', async () => {
    // Each waits for the other to have started: run one after the other, the first would time out.
    let auditStarted!: () => void;
    let consentStarted!: () => void;
    const audit = new Promise<void>((r) => (auditStarted = r));
    const consent = new Promise<void>((r) => (consentStarted = r));
    const within = (p: Promise<void>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(ApplicationFailure.nonRetryable(`${what} never started`)), 10_000))]);
    w = await startStubWorker({
      audit: async () => (auditStarted(), await within(consent, 'consent'), { counts: { ok: 1 } }),
      consent: async () => (consentStarted(), await within(audit, 'audit'), { counts: { ok: 1 } }),
    });
    const result = await (await start(w)).result();
    expect(result.status).toBe('completed');
    const [a] = w.callsOf('audit');
    const [c] = w.callsOf('consent');
    expect([a!.outcome, c!.outcome]).toEqual(['returned', 'returned']);
    expect(a!.startedAt).toBeLessThanOrEqual(c!.endedAt!);
    expect(c!.startedAt).toBeLessThanOrEqual(a!.endedAt!);
  });

  it('a cancelled run ends cancelled, not failed: the running task is cancelled and the ledger says so', async () => {
    w = await startStubWorker({ mask: untilCancelled, alert: untilCancelled });
    const handle = await start(w);
    await w.started('mask');
    await handle.cancel();
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    // What `govflow run` says about it: one line, not a failure's stack.
    await expect(waitForRun(handle)).rejects.toThrow(`run ${handle.workflowId} was cancelled; its task states: govflow status ${handle.workflowId}`);

    const status = await handle.query(statusQuery);
    expect(status.state).toBe('cancelled');
    // Cancellation is the run's outcome, not a task's failure: nothing reads failed.
    expect(Object.values(status.tasks).map((t) => t.state)).not.toContain('failed');
    expect(status.tasks.mask!.state).toBe('running');
    expect(status.tasks.report!.state).toBe('pending');
    const finish = w.callsOf('finishRun');
    expect(finish).toHaveLength(1);
    expect(finishRunInput(finish[0]!)).toMatchObject({ status: 'cancelled', tasks: { ingest: { state: 'success' }, mask: { state: 'running' } } });
    // The activity itself heard the cancellation (heartbeatOrStop threw), rather than running on.
    await expect.poll(() => w!.callsOf('mask')[0]!.outcome, { timeout: 10_000 }).toBe('cancelled');
    expect(w.callsOf('report')).toHaveLength(0);
  });

  it('keeps the task counts the activities return, and the ledger gets them', async () => {
    w = await startStubWorker({ ingest: succeed({ rowsIn: 12, rowsOut: 10 }) });
    const result = await (await start(w)).result();
    expect(result.tasks.ingest!.counts).toEqual({ rowsIn: 12, rowsOut: 10 });
    const all = [...w.callsOf('recordTasks'), ...w.callsOf('finishRun')].map((c) => (c.args[0] as { tasks: Record<string, TaskStatus> }).tasks.ingest);
    expect(all.filter(Boolean)[0]).toMatchObject({ state: 'success', counts: { rowsIn: 12, rowsOut: 10 } });
  });
});
