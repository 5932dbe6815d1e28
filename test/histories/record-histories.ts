import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from '../../cli/temporal-binary';
import { startHarness, type Harness } from '../support/harness';
import { holdMaskStep, withMaskStepBroken } from '../support/broken-mask';
import { eventually } from '../support/eventually';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';
import { createSchedule } from '../../cli/schedules';
import { replayRun } from '../../cli/replay';

// `npm run histories:refresh`: records one real history per path through governanceRun into
// test/fixtures/histories/, for the determinism test (test/integration/replay-histories.test.ts).
// Run it after an intended change to the workflow's shape, and commit the new files.

const DIR = 'test/fixtures/histories';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
});
afterAll(async () => {
  await h?.close();
});

/** The history as `temporal workflow show --output json` writes it: what historyFromJSON reads. */
async function save(name: string, handle: WorkflowHandle, runId?: string): Promise<void> {
  await handle.result().catch(() => undefined);
  const binary = await ensureTemporalCli();
  const args = ['workflow', 'show', '--address', h.temporalAddress, '--workflow-id', handle.workflowId, '--output', 'json'];
  if (runId) args.push('--run-id', runId);
  const json = execFileSync(binary, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(`${DIR}/${name}.json`, `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
}

const start = (workflowId: string, input: unknown) =>
  h.client.workflow.start('governanceRun', { taskQueue: h.taskQueue, workflowId, args: [input] });

it('records the histories', async () => {
  const stamp = Date.now();
  await save('completed-sample', await start(`hist-completed-${stamp}`, { window: SAMPLE_WINDOW, trigger: 'cli' }));
  await save('last-hour', await start(`hist-last-hour-${stamp}`, {}));
  await save('bad-input', await start(`hist-bad-input-${stamp}`, { window: { start: 'noon', end: 'later' } }));

  const failedId = `hist-failed-${stamp}`;
  await withMaskStepBroken(h, async () => save('failed-at-mask', await start(failedId, { window: SAMPLE_WINDOW })));
  const reset = await replayRun(h.client, h.db, failedId, { mode: 'reset', taskQueue: h.taskQueue });
  await save('reset-after-failure', h.client.workflow.getHandle(failedId, reset.runId), reset.runId);

  const skipId = `hist-skip-${stamp}`;
  await withMaskStepBroken(h, async () => start(skipId, { window: SAMPLE_WINDOW }).then((x) => x.result().catch(() => undefined)));
  const skipped = await replayRun(h.client, h.db, skipId, { mode: 'new-run', taskQueue: h.taskQueue });
  await save('replay-skipping-tasks', h.client.workflow.getHandle(skipId, skipped.runId), skipped.runId);

  const scheduleId = `hist-schedule-${stamp}`;
  await createSchedule(h.client, scheduleId, h.taskQueue, { everySeconds: 3600, paused: true });
  await h.client.schedule.getHandle(scheduleId).trigger();
  const action = await eventually(async () => (await h.client.schedule.getHandle(scheduleId).describe()).info.recentActions[0], 'the scheduled run');
  await save('scheduled', h.client.workflow.getHandle(action.action.workflow.workflowId));
  await h.client.schedule.getHandle(scheduleId).delete();

  // Past its deadline: the mask step is held up by a lock until the alert is raised.
  const release = await holdMaskStep(h);
  const lateId = `hist-deadline-${stamp}`;
  const late = await start(lateId, { window: SAMPLE_WINDOW, deadlineSeconds: 1 });
  await eventually(async () => (await h.sql('select 1 from govflow.alerts where dedupe_key = $1', [`deadline:${lateId}`]))[0], 'the deadline alert');
  await release();
  await save('deadline-exceeded', late);
});
