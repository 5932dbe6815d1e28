import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { GovflowActivities } from '../../activities';
import type { TaskResult } from '../../workflow-safe/dag';
import { quietRuntime } from './harness';
import { heartbeatOrStop } from '../../temporal/heartbeat';

// The governance workflow on the shared dev server, with STUB activities instead of govflow's:
// no Postgres, no files. Each step's stub is what a test makes it (succeed, fail, wait to be
// cancelled…); every call is recorded, ledger writes included, so a test sees what the workflow
// did, not only how it ended.

export const STEPS = ['ingest', 'audit', 'consent', 'mask', 'report', 'emailReport', 'alert'] as const;
export type Step = (typeof STEPS)[number];
const LEDGER = ['startRun', 'recordTasks', 'finishRun'] as const;

export interface Call {
  name: string;
  args: unknown[];
  /** Date.now() when the call began and ended (ended: also when it threw). */
  startedAt: number;
  endedAt?: number;
  /** How it ended: returned, threw, or threw because the activity was cancelled. */
  outcome?: 'returned' | 'threw' | 'cancelled';
}

export interface StubWorker {
  client: Client;
  taskQueue: string;
  calls: Call[];
  /** Calls of one activity, in order. */
  callsOf(name: string): Call[];
  /** Resolves when `name` has been called (polls the record). */
  started(name: string, timeoutMs?: number): Promise<Call>;
  close(): Promise<void>;
}

/** A stub that returns `counts` ({ [step]: 1 } by default) at once. */
export const succeed = (counts?: Record<string, number>) => async (): Promise<TaskResult> => ({ counts: counts ?? { ok: 1 }, attempt: 1 });

/**
 * Works in batches until cancelled, as ingest, mask, erase and retention do: between batches,
 * heartbeatOrStop (the helper they use) heartbeats and throws once the cancellation arrived.
 */
export async function untilCancelled(): Promise<TaskResult> {
  for (;;) {
    heartbeatOrStop();
    await new Promise((r) => setTimeout(r, 100)); // a batch of work
  }
}

export async function startStubWorker(steps: Partial<Record<Step, () => Promise<TaskResult>>> = {}): Promise<StubWorker> {
  quietRuntime();
  const calls: Call[] = [];
  const recorded = (name: string, fn: (...args: never[]) => Promise<unknown>) =>
    async (...args: never[]) => {
      const call: Call = { name, args, startedAt: Date.now() };
      calls.push(call);
      try {
        const r = await fn(...args);
        call.outcome = 'returned';
        return r;
      } catch (err) {
        call.outcome = Context.current().cancellationSignal.aborted ? 'cancelled' : 'threw';
        throw err;
      } finally {
        call.endedAt = Date.now();
      }
    };
  const stubs: Partial<Record<keyof GovflowActivities, (...args: never[]) => Promise<unknown>>> = {
    startRun: async (input: { runId: string }) => ({
      policyHash: 'stub', runId: input.runId,
      config: { configFile: 'stub.yaml', configHash: 'stub', policyFile: 'stub-policy.yaml', policyHash: 'stub' },
    }),
    recordTasks: async () => undefined,
    finishRun: async () => undefined,
    openAlerts: async () => [],
  };
  for (const s of STEPS) stubs[s] = steps[s] ?? succeed();
  // The ingest task fans out (workflows/ingest-fan-out.ts): one stub unit, and the join is what a
  // test makes of `ingest`, recorded under that name. The late-data check finds nothing; export succeeds.
  stubs.ingestPlan = async () => [{ source: 'stub', files: [] }];
  stubs.ingestUnit = async () => ({ source: 'stub', files: [] });
  stubs.lateWindows = async () => [];
  stubs.exportDataset = succeed();
  const activities = Object.fromEntries(Object.entries(stubs).map(([name, fn]) => [name, recorded(name, fn)]));
  activities.ingestFinish = recorded('ingest', stubs.ingest!);

  const address = inject('temporalAddress');
  const taskQueue = `workflow-tier-${randomBytes(4).toString('hex')}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { code: inject('workflowBundleCode') },
    activities,
    // As the real worker (worker/create-worker.ts): a cancellation reaches a heartbeating stub soon.
    maxHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const callsOf = (name: string) => calls.filter((c) => c.name === name);
  return {
    client,
    taskQueue,
    calls,
    callsOf,
    async started(name, timeoutMs = 30_000) {
      for (const until = performance.now() + timeoutMs; performance.now() < until; await new Promise((r) => setTimeout(r, 50))) {
        const c = callsOf(name)[0];
        if (c) return c;
      }
      throw new Error(`${name} was not called within ${timeoutMs} ms`);
    },
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export const LEDGER_ACTIVITIES: readonly string[] = LEDGER;
