import type { WorkflowHandle, WorkflowClient } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import proto, { type google, type temporal } from '@temporalio/proto';
import type { IngestProgress } from '../activities/ingest';

// `govflow run` shows ingest's progress from the activity's heartbeat details, which Temporal
// keeps on the pending activity: no side channel, and it works for any worker anywhere. The same
// description tells when a run has gone quiet (a worker that died mid-step, or none taking the
// next one), so a waiting command says so instead of freezing.

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
type PendingWorkflowTask = temporal.api.workflow.v1.IPendingWorkflowTaskInfo;
const { PendingActivityState, PendingWorkflowTaskState } = proto.temporal.api.enums.v1;
/** The activities that heartbeat ingest's progress: a unit of the fanned-out step, or the whole step. */
const INGEST_ACTIVITIES = new Set(['ingestUnit', 'ingest']);

export async function pendingIngestProgress(client: WorkflowClient, handle: WorkflowHandle): Promise<IngestProgress | undefined> {
  const { raw } = await handle.describe();
  return ingestProgressOf(client, raw.pendingActivities ?? []);
}

async function ingestProgressOf(client: WorkflowClient, pending: PendingActivity[]): Promise<IngestProgress | undefined> {
  const payloads = pending.find((a) => INGEST_ACTIVITIES.has(a.activityType?.name ?? ''))?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  // A unit still waiting for a free slot heartbeats without progress: nothing to show yet.
  return typeof (details as Partial<IngestProgress> | undefined)?.records === 'number' ? (details as IngestProgress) : undefined;
}

const BAR = 24;

export function formatIngestProgress(p: IngestProgress): string {
  const records = `${p.records.toLocaleString('en-US')} records`;
  const files = p.files > 1 ? ` (file ${p.fileIndex}/${p.files})` : '';
  if (!p.totalBytes) return `  ingest: ${p.source} ${p.file}${files} ${records}`;
  const share = Math.min(1, p.bytes / p.totalBytes);
  const filled = Math.round(share * BAR);
  return `  ingest: [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${p.source} ${p.file}${files} ${records}`;
}

/** Quiet time after which a waiting command says a step (or the workflow) looks stalled. */
export const STALL_AFTER_MS = 30_000;

const ms = (t: google.protobuf.ITimestamp | null | undefined): number | undefined =>
  t?.seconds == null ? undefined : Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);

const seconds = (quietMs: number) => `${Math.floor(quietMs / 1000)} s`;

export interface Stall {
  /** The activity type, or 'workflow' for a workflow task no worker takes. */
  step: string;
  /** Since when nothing happened: the last heartbeat, or when the task became ready to take. */
  quietMs: number;
  /** 'no-progress': started, heartbeated, then went quiet; 'not-taken': ready, no worker took it. */
  kind: 'no-progress' | 'not-taken';
}

/**
 * The steps of a run that have been quiet for `afterMs` or more, from DescribeWorkflowExecution's
 * pending activities and pending workflow task. A started activity counts only once it has
 * heartbeated (ingest, mask do): a step that never heartbeats may be busy, not stalled. An
 * activity waiting out its retry back-off is not stalled either.
 */
export function findStalls(pending: PendingActivity[], workflowTask: PendingWorkflowTask | null | undefined, now: number, afterMs = STALL_AFTER_MS): Stall[] {
  const stalls: Stall[] = [];
  for (const a of pending) {
    const step = a.activityType?.name ?? a.activityId ?? 'activity';
    if (a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) {
      const beat = ms(a.lastHeartbeatTime);
      if (beat !== undefined && now - beat >= afterMs) stalls.push({ step, quietMs: now - beat, kind: 'no-progress' });
    } else if (a.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED) {
      const next = ms(a.nextAttemptScheduleTime);
      if (next !== undefined && next > now) continue;
      const ready = Math.max(ms(a.scheduledTime) ?? 0, ms(a.lastAttemptCompleteTime) ?? 0, next ?? 0);
      if (ready && now - ready >= afterMs) stalls.push({ step, quietMs: now - ready, kind: 'not-taken' });
    }
  }
  if (workflowTask?.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED) {
    const ready = ms(workflowTask.scheduledTime);
    if (ready !== undefined && now - ready >= afterMs) stalls.push({ step: 'workflow', quietMs: now - ready, kind: 'not-taken' });
  }
  return stalls;
}

/** `(no progress for 45 s — is the worker alive?)` and the like: what a stalled step's line ends with. */
export function formatStall(s: Stall): string {
  return s.kind === 'no-progress'
    ? `(no progress for ${seconds(s.quietMs)} — is the worker alive?)`
    : `(waiting ${seconds(s.quietMs)} for a worker to take it — is one running on this task queue?)`;
}

/**
 * What a waiting command shows about a running run besides task transitions: ingest's progress
 * line, and a line per stalled step. One DescribeWorkflowExecution call.
 */
export async function runActivityLines(
  client: WorkflowClient | undefined,
  handle: WorkflowHandle,
  now = Date.now(),
  afterMs = STALL_AFTER_MS,
): Promise<string[]> {
  const { raw } = await handle.describe();
  const pending = raw.pendingActivities ?? [];
  const stalls = findStalls(pending, raw.pendingWorkflowTask, now, afterMs);
  const lines: string[] = [];
  const progress = client ? await ingestProgressOf(client, pending) : undefined;
  const ingestStall = stalls.find((s) => INGEST_ACTIVITIES.has(s.step));
  if (progress) lines.push(ingestStall ? `${formatIngestProgress(progress)} ${formatStall(ingestStall)}` : formatIngestProgress(progress));
  for (const s of stalls) {
    if (s === ingestStall && progress) continue;
    lines.push(`  ${s.step === 'workflow' ? 'workflow task' : s.step}: ${formatStall(s)}`);
  }
  return lines;
}

/**
 * Tells `out` about stalled steps of a workflow while a command waits for its result (a stall
 * when it starts, then every 15 s while it lasts). Returns a function that stops watching.
 */
export function watchStalls(handle: WorkflowHandle, out: (line: string) => void, everyMs = 2000): () => Promise<void> {
  let done = false;
  const last = new Map<string, number>();
  const loop = (async () => {
    while (!done) {
      try {
        const { raw } = await handle.describe();
        const now = Date.now();
        const stalls = findStalls(raw.pendingActivities ?? [], raw.pendingWorkflowTask, now);
        for (const s of stalls) {
          const at = last.get(s.step);
          if (at !== undefined && now - at < 15_000) continue;
          out(`  ${s.step === 'workflow' ? 'workflow task' : s.step}: ${formatStall(s)}`);
          last.set(s.step, now);
        }
        for (const step of last.keys()) if (!stalls.some((s) => s.step === step)) last.delete(step);
      } catch {
        // The workflow may be closing; the command's own wait says how it ended.
      }
      for (let waited = 0; waited < everyMs && !done; waited += 250) await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    done = true;
    await loop;
  };
}
