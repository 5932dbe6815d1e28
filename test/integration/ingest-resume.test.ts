import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { writeConfig } from '../support/config-file';
import { eventually } from '../support/eventually';
import { formatIngestProgress, pendingIngestProgress, runActivityLines } from '../../cli/ingest-progress';
import type { GovernanceResult } from '../../workflows/governance';

// A worker killed (SIGKILL) in the middle of a file: the next attempt resumes after the last
// committed chunk instead of starting over, and every event ends up in the table exactly once.

const N = 200_000;
const dir = mkdtempSync(join(tmpdir(), 'govflow-resume-'));
const file = join(dir, 'big.jsonl');
writeFileSync(
  file,
  Array.from({ length: N }, (_, i) =>
    JSON.stringify({ time: `2026-11-01T10:${String(Math.floor(i / 4000)).padStart(2, '0')}:00Z`, principal: 'svc', subject: `user-${i % 5000}`, action: 'read', resource: `/titles/${i}`, outcome: 'success', source_ip: '203.0.113.9' }),
  ).join('\n'),
);
const config = writeConfig([{ name: 'big', kind: 'access', format: 'jsonl', path: file }]);
const WINDOW = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };

let h: Harness;
let child: ChildProcess | undefined;
beforeAll(async () => {
  h = await startHarness({ configFile: config });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await h?.close();
});


describe('ingest after a worker crash', () => {
  it('resumes from the last committed chunk and loads every event once', async () => {
    const crashQueue = `${h.taskQueue}-crash`;
    child = spawn(process.execPath, ['bin/govflow.mjs', 'worker', '--config', config], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_TASK_QUEUE: crashQueue },
      stdio: 'ignore',
    });
    const doomed = await h.client.workflow.start('governanceRun', { taskQueue: crashQueue, workflowId: `crash-${Date.now()}`, args: [{ window: WINDOW }] });

    // While it works, `govflow run` can show progress from the activity's heartbeats.
    const progress = await eventually(async () => {
      const p = await pendingIngestProgress(h.client.workflow, doomed);
      return p && p.records > 0 ? p : undefined;
    }, 'ingest progress', 60_000, 50);
    expect(progress).toMatchObject({ source: 'big', file: 'big.jsonl', files: 1, totalBytes: statSync(file).size });
    expect(formatIngestProgress(progress)).toMatch(/ingest: \[#*\.*\] +\d+% big big\.jsonl [\d,]+ records/);

    const committed = await eventually(async () => {
      const [m] = await h.sql("select committed_position, status from govflow.ingested_files where source = 'big'");
      return m && Number(m.committed_position) > 0 && m.status === 'loading' ? Number(m.committed_position) : undefined;
    }, 'a committed chunk', 60_000, 50);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    // `govflow run` would now say the step went quiet (threshold 3 s here instead of 30 s).
    const stalled = await eventually(async () => {
      const lines = await runActivityLines(h.client.workflow, doomed, Date.now(), 3000);
      return lines.find((l) => l.includes('no progress for'));
    }, 'the stall line', 60_000, 500);
    expect(stalled).toMatch(/^ {2}ingest: \[#*\.*\] +\d+% big big\.jsonl [\d,]+ records \(no progress for \d+ s — is the worker alive\?\)$/);
    await doomed.terminate('worker killed by the test');

    const [partial] = await h.sql("select count(*)::int as n from govflow.access_events where source = 'big'");
    expect(partial!.n).toBeGreaterThan(0);
    expect(partial!.n).toBeLessThan(N);

    const result: GovernanceResult = await h.client.workflow.execute('governanceRun', { taskQueue: h.taskQueue, workflowId: `resume-${Date.now()}`, args: [{ window: WINDOW }] });
    expect(result.tasks.ingest!.state).toBe('success');
    // It did not start over: only the rows after the crash were inserted by this attempt.
    expect(result.tasks.ingest!.counts!.rowsInserted).toBe(N - Number(partial!.n));
    expect(result.tasks.ingest!.counts!.duplicateEvents).toBe(0);
    expect(committed).toBeGreaterThan(0);

    const [total] = await h.sql("select count(*)::int as n, count(distinct event_id)::int as d from govflow.access_events where source = 'big'");
    expect(total).toEqual({ n: N, d: N });
    const [m] = await h.sql("select status, records, duplicates from govflow.ingested_files where source = 'big'");
    expect(m).toEqual({ status: 'done', records: N, duplicates: 0 });
    expect(result.kpis.eventsIngested).toBe(N);
    // A big file loaded twice, a worker killed between: minutes on a busy 2-core machine.
  }, 300_000);
});
