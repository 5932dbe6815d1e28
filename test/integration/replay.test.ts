import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';
import { eventually } from '../support/eventually';
import { withMaskStepBroken } from '../support/broken-mask';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import { GOVERNANCE_DAG, type GovernanceResult } from '../../workflows/governance';

// Expectations follow the DAG's declaration, so a task added to it needs no change here.
const TASKS = GOVERNANCE_DAG.map((t) => t.id);
/** The export step has no target in the repository's govflow.yaml: whenever it runs, it is skipped. */
const states = (fn: (task: string) => string) => Object.fromEntries(TASKS.map((t) => [t, t === 'export' ? 'skipped' : fn(t)]));

// A run made to fail at the mask step (its table renamed away: a permanent Postgres error, so
// the step fails at once), then repaired, then `govflow replay`: by Temporal reset, and by a new
// run that skips the succeeded tasks when the history is gone.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const EventType = proto.temporal.api.enums.v1.EventType;

async function failAtMask(workflowId: string): Promise<void> {
  const err = await withMaskStepBroken(h, () =>
    h.client.workflow
      .execute('governanceRun', { taskQueue: h.taskQueue, workflowId, args: [{ window: SAMPLE_WINDOW, trigger: 'cli' }] })
      .then(() => undefined, (e: unknown) => e),
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
}

/** Activity types scheduled after the reset point, in the new run's history. */
async function scheduledAfterReset(workflowId: string, runId: string): Promise<{ before: string[]; after: string[] }> {
  const history = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const resetAt = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  const names = (list: typeof events) =>
    list.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name!);
  return { before: names(events.slice(0, resetAt)), after: names(events.slice(resetAt)) };
}

describe('govflow replay', () => {
  const resetId = `replay-reset-${Date.now()}`;
  const newRunId = `replay-new-${Date.now()}`;

  it('govflow runs --status failed lists the failed run', async () => {
    await failAtMask(resetId);
    const listed = await eventually(async () => {
      const r = await runGovflow(h, ['runs', '--status', 'failed', '--json']);
      const rows = JSON.parse(r.stdout) as { workflowId: string; status: string; trigger: string }[];
      return rows.find((x) => x.workflowId === resetId);
    }, 'the failed run in visibility');
    expect(listed).toMatchObject({ status: 'failed', trigger: 'cli' });
  });

  it('resets the failed run to the task that failed: succeeded tasks are not run again', async () => {
    const r = await runGovflow(h, ['replay', resetId, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { mode: string; runId: string; tasks: string[]; result: GovernanceResult };
    expect(out.mode).toBe('reset');
    expect(out.tasks).toEqual(['mask']);
    expect(out.result.status).toBe('completed');
    expect(Object.fromEntries(Object.entries(out.result.tasks).map(([k, v]) => [k, v.state]))).toEqual(states(() => 'success'));
    expect(out.result.kpis.maskedEvents).toBe(35);

    const { before, after } = await scheduledAfterReset(resetId, out.runId);
    // Ingest is fanned out: a plan, one unit per file, a join.
    expect(before).toEqual(expect.arrayContaining(['ingestPlan', 'ingestUnit', 'ingestFinish', 'consent']));
    expect(after).toContain('mask');
    expect(after).toEqual(expect.arrayContaining(['mask', 'report', 'alert']));
    for (const ingest of ['ingestPlan', 'ingestUnit', 'ingestFinish']) expect(after).not.toContain(ingest);
    expect(after).not.toContain('consent');

    // The reset run goes on writing the ledger row of the run it was reset from (its startRun
    // result is replayed, not called again): one row, now completed, every task succeeded.
    const runs = await h.sql('select run_id, status, window_start from govflow.runs where workflow_id = $1', [resetId]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', window_start: new Date(SAMPLE_WINDOW.start) });
    expect(runs[0]!.run_id).not.toBe(out.runId);
    expect(out.result.runId).toBe(runs[0]!.run_id);
    const tasks = await h.sql('select task, state from govflow.task_runs where workflow_id = $1 and run_id = $2 order by task', [resetId, runs[0]!.run_id]);
    expect(Object.fromEntries(tasks.map((t) => [t.task, t.state]))).toEqual(states(() => 'success'));

    // Replayed, it no longer needs attention.
    await eventually(async () => {
      const l = await runGovflow(h, ['runs', '--status', 'failed', '--json']);
      return (JSON.parse(l.stdout) as { workflowId: string }[]).some((x) => x.workflowId === resetId) ? undefined : true;
    }, 'the replayed run to leave the failed list');
  });

  it('where the history is gone, starts a new run of the window that skips the succeeded tasks', async () => {
    await failAtMask(newRunId);
    const [failed] = await h.sql('select run_id from govflow.runs where workflow_id = $1', [newRunId]);
    // Retention expired, in effect: Temporal no longer has the run, so it cannot be reset.
    await h.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: newRunId, runId: failed!.run_id as string },
    });
    await eventually(async () => {
      try {
        await h.client.workflow.getHandle(newRunId).describe();
        return undefined;
      } catch {
        return true;
      }
    }, 'the deletion');

    const r = await runGovflow(h, ['replay', newRunId, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { mode: string; tasks: string[]; reason: string; result: GovernanceResult };
    expect(out.mode).toBe('new-run');
    expect(out.reason).toMatch(/no history/);
    // The alert needs only audit and consent, so it succeeded despite the failed mask: not run again.
    expect(out.tasks).toEqual(['alert', 'audit', 'consent', 'ingest']);
    expect(out.result.status).toBe('completed');
    expect(out.result.trigger).toBe('replay');
    expect(out.result.window).toEqual({ start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z' });
    expect(Object.fromEntries(Object.entries(out.result.tasks).map(([k, v]) => [k, v.state]))).toEqual(
      states((t) => (['ingest', 'audit', 'consent', 'alert'].includes(t) ? 'skipped' : 'success')),
    );
  });

  it('--mode new-run forces a new run even where a reset is possible', async () => {
    const id = `replay-forced-${Date.now()}`;
    await failAtMask(id);
    const r = await runGovflow(h, ['replay', id, '--mode', 'new-run', '--json']);
    const out = JSON.parse(r.stdout) as { mode: string; result: GovernanceResult };
    expect(out.mode).toBe('new-run');
    expect(out.result.tasks.ingest!.state).toBe('skipped');
    expect(out.result.tasks.mask!.state).toBe('success');
  });

  it('refuses to replay a run that completed', async () => {
    const id = `replay-ok-${Date.now()}`;
    await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: id, args: [{ window: SAMPLE_WINDOW }] });
    const r = await runGovflow(h, ['replay', id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${id} is completed; only a failed, timed-out, terminated or cancelled run can be replayed`);
  });
});
