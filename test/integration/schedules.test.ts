import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';
import { eventually } from '../support/eventually';

// `govflow schedule` over a real Temporal Schedule: trigger, backfill six hourly windows, and a
// second backfill that finds them all completed in the runs ledger and starts nothing.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const id = `hourly-${randomBytes(3).toString('hex')}`;
const FROM = '2026-11-01T06:00:00Z';
const TO = '2026-11-01T12:00:00Z';

async function completedInRange(): Promise<Record<string, unknown>[]> {
  return h.sql(
    `select workflow_id, window_start, window_end, trigger from govflow.runs
     where status = 'completed' and window_start >= $1 and window_end <= $2 order by window_start`,
    [FROM, TO],
  );
}

describe('govflow schedule', () => {
  it('creates an hourly schedule with the default overlap policy (skip)', async () => {
    const r = await runGovflow(h, ['schedule', 'create', id, '--every', '1h', '--catchup-window', '10m', '--note', 'created by the test']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`schedule ${id}: active (note: created by the test)`);
    expect(r.stdout).toContain('every 1h (UTC); each run governs the 1h ending at its action time');
    expect(r.stdout).toMatch(/overlap\s+skip; catch-up window 10m/);
    const d = await h.client.schedule.getHandle(id).describe();
    expect(d.policies.overlap).toBe('SKIP');
  });

  it('trigger starts one run of the hour that ends at the action time', async () => {
    const before = Date.now();
    const r = await runGovflow(h, ['schedule', 'trigger', id]);
    expect(r.code).toBe(0);
    const [run] = await eventually(async () => {
      const rows = await h.sql(`select * from govflow.runs where workflow_id like $1 and status = 'completed'`, [`${id}-%`]);
      return rows.length ? rows : undefined;
    }, 'the triggered run');
    expect(run!.trigger).toBe('schedule');
    const end = new Date(run!.window_end as Date).getTime();
    const start = new Date(run!.window_start as Date).getTime();
    expect(end - start).toBe(3_600_000);
    expect(end).toBeGreaterThanOrEqual(before - 1000);
    // The id names the schedule and the action time, so the same window cannot start twice.
    expect(run!.workflow_id).toBe(`${id}-${new Date(end).toISOString().replace(/\.\d+Z$/, 'Z')}`);
  });

  it('backfill over six hours yields exactly six completed runs, one per window', async () => {
    const r = await runGovflow(h, ['schedule', 'backfill', id, '--from', FROM, '--to', TO]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('backfilling 6 window(s), skipping 0 already completed');
    const runs = await eventually(async () => {
      const rows = await completedInRange();
      return rows.length >= 6 ? rows : undefined;
    }, 'six backfilled runs');
    expect(runs.map((x) => new Date(x.window_start as Date).toISOString())).toEqual(
      [6, 7, 8, 9, 10, 11].map((hour) => `2026-11-01T${String(hour).padStart(2, '0')}:00:00.000Z`),
    );
    expect(runs.map((x) => x.workflow_id)).toEqual([7, 8, 9, 10, 11, 12].map((hour) => `${id}-2026-11-01T${String(hour).padStart(2, '0')}:00:00Z`));
    expect(new Set(runs.map((x) => x.trigger))).toEqual(new Set(['schedule']));
    // The sample hour's run found what the sample data holds.
    const [sample] = await h.sql(`select totals from govflow.runs where window_start = '2026-11-01T10:00:00Z'`);
    expect((sample!.totals as { kpis: { consentViolations: number } }).kpis.consentViolations).toBe(2);
  });

  it('a second backfill skips the six completed windows and starts nothing; --reprocess runs them again', async () => {
    const again = await runGovflow(h, ['schedule', 'backfill', id, '--from', FROM, '--to', TO, '--json']);
    expect(again.code).toBe(0);
    const plan = JSON.parse(again.stdout);
    expect(plan.run).toEqual([]);
    expect(plan.skipped).toHaveLength(6);
    const d = await h.client.schedule.getHandle(id).describe();
    expect(d.info.numActionsTaken).toBe(7); // the trigger and six backfilled windows, nothing more

    const redo = await runGovflow(h, ['schedule', 'backfill', id, '--from', '2026-11-01T11:00:00Z', '--to', TO, '--reprocess', '--json']);
    expect(JSON.parse(redo.stdout).run).toEqual([{ start: '2026-11-01T11:00:00.000Z', end: '2026-11-01T12:00:00.000Z' }]);
  });

  it('pauses with a note, updates, lists and deletes', async () => {
    expect((await runGovflow(h, ['schedule', 'pause', id, '--note', 'maintenance window'])).code).toBe(0);
    let d = await runGovflow(h, ['schedule', 'describe', id]);
    expect(d.stdout).toContain(`schedule ${id}: PAUSED (note: maintenance window)`);

    const u = await runGovflow(h, ['schedule', 'update', id, '--every', '30m', '--overlap', 'buffer-one']);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('every 30m (UTC); each run governs the 30m ending at its action time');
    expect(u.stdout).toMatch(/overlap\s+buffer-one/);
    expect(u.stdout).toContain('PAUSED'); // an update leaves the pause alone

    expect((await runGovflow(h, ['schedule', 'unpause', id])).code).toBe(0);
    d = await runGovflow(h, ['schedule', 'describe', id]);
    expect(d.stdout).toContain(`schedule ${id}: active`);

    const list = await eventually(async () => {
      const l = await runGovflow(h, ['schedule', 'list']);
      return l.stdout.includes(id) ? l : undefined;
    }, 'the schedule in the list');
    expect(list.code).toBe(0);

    expect((await runGovflow(h, ['schedule', 'delete', id])).code).toBe(0);
    const gone = await runGovflow(h, ['schedule', 'describe', id]);
    expect(gone.code).not.toBe(0);
  });

  it('takes a cron expression with a time zone, and reads it back as cron', async () => {
    const nightly = `${id}-nightly`;
    const r = await runGovflow(h, ['schedule', 'create', nightly, '--cron', '0 2 * * *', '--timezone', 'Europe/Paris', '--window', '1d', '--paused']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`schedule ${nightly}: PAUSED (note: created paused)`);
    expect(r.stdout).toContain('calendar "0 2 * * *" (Europe/Paris); each run governs the 1d ending at its action time');
    const d = await h.client.schedule.getHandle(nightly).describe();
    // 02:00 in Paris is 01:00 UTC in winter.
    expect(d.info.nextActionTimes[0]!.toISOString()).toMatch(/T01:00:00\.000Z$/);
    await h.client.schedule.getHandle(nightly).delete();
  });

  it('with --lateness, offsets an interval schedule and governs the window that ended that long before', async () => {
    const late = `late-${randomBytes(3).toString('hex')}`;
    const r = await runGovflow(h, ['schedule', 'create', late, '--every', '1h', '--lateness', '15m', '--paused']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every 1h (UTC); each run governs the 1h ending 15m before its action time');
    const d = await h.client.schedule.getHandle(late).describe();
    expect(d.spec.intervals?.[0]?.offset).toBe(15 * 60 * 1000);
    expect(d.info.nextActionTimes.every((t) => t.getUTCMinutes() === 15 && t.getUTCSeconds() === 0)).toBe(true);
    expect(d.action.args?.[0]).toMatchObject({ windowSeconds: 3600, latenessSeconds: 900 });
    // A backfill picks the action times that run 15 minutes after each window it covers.
    const plan = JSON.parse((await runGovflow(h, ['schedule', 'backfill', late, '--from', '2026-11-01T06:00:00Z', '--to', '2026-11-01T08:00:00Z', '--json'])).stdout);
    expect([...plan.run, ...plan.skipped].map((w: { start: string }) => w.start).sort()).toEqual(['2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
    expect((await runGovflow(h, ['schedule', 'delete', late])).code).toBe(0);
  });

  it('explains a missing spec or a bad overlap policy', async () => {
    const r = await runGovflow(h, ['schedule', 'create', 'nothing']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a schedule needs --every DURATION');
    const bad = await runGovflow(h, ['schedule', 'create', 'x', '--every', '1h', '--overlap', 'sometimes']);
    expect(bad.stderr).toContain('--overlap: "sometimes" is not one of skip, buffer-one');
  });
});
