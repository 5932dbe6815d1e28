import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';

// Where a stream's time goes, read from its Temporal histories (every run of the continue-as-new
// chain): per activity type, how long tasks waited for a worker slot (scheduled → started) and how
// long they ran (started → closed); and how long workflow tasks took. Printed by bench:stream so
// a slow figure comes with its cause.

const EventType = proto.temporal.api.enums.v1.EventType;

interface Timing {
  count: number;
  waitMs: number[];
  runMs: number[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))] ?? NaN;

export async function stepTimings(client: Client, workflowId: string): Promise<Map<string, Timing>> {
  const timings = new Map<string, Timing>();
  const of = (name: string) => timings.get(name) ?? timings.set(name, { count: 0, waitMs: [], runMs: [] }).get(name)!;
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const scheduled = new Map<number, { name: string; at: number; startedAt?: number }>();
    let wftStarted = 0;
    for (const e of history.events ?? []) {
      const at = tsToMs(e.eventTime!);
      switch (e.eventType) {
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          scheduled.set(Number(e.eventId), { name: e.activityTaskScheduledEventAttributes!.activityType!.name!, at });
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const s = scheduled.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId));
          if (s) s.startedAt = at;
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
          const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
          const s = scheduled.get(Number(attrs!.scheduledEventId));
          if (s?.startedAt !== undefined) {
            const t = of(s.name);
            t.count += 1;
            t.waitMs.push(s.startedAt - s.at);
            t.runMs.push(at - s.startedAt);
          }
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          wftStarted = at;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const t = of('(workflow task)');
          t.count += 1;
          t.runMs.push(at - wftStarted);
          t.waitMs.push(0);
          break;
        }
      }
    }
  }
  return timings;
}

export function formatTimings(timings: Map<string, Timing>): string[] {
  const lines = ['step                   count   wait mean   run mean    run p95'];
  for (const [name, t] of [...timings].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(
      `${name.padEnd(22)} ${String(t.count).padStart(5)} ${mean(t.waitMs).toFixed(0).padStart(8)} ms ${mean(t.runMs).toFixed(0).padStart(7)} ms ${p95(t.runMs).toFixed(0).padStart(7)} ms`,
    );
  }
  return lines;
}

/**
 * Which worker ran what: per worker identity (`pid@host` unless set), the number of each
 * activity type it started, from the workflow's history (ActivityTaskStarted carries the identity).
 */
export async function workersOf(client: Client, workflowId: string): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const names = new Map<number, string>();
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      names.set(Number(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      const name = names.get(Number(a.scheduledEventId)) ?? '?';
      const of = out.get(a.identity ?? '?') ?? out.set(a.identity ?? '?', new Map()).get(a.identity ?? '?')!;
      of.set(name, (of.get(name) ?? 0) + 1);
    }
  }
  return out;
}
