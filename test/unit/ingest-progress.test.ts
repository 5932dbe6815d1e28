import { describe, expect, it } from 'vitest';
import proto, { type google, type temporal } from '@temporalio/proto';
import { findStalls, formatIngestProgress, formatStall } from '../../cli/ingest-progress';

describe('ingest progress line', () => {
  it('draws a bar for files of known size', () => {
    expect(formatIngestProgress({ source: 'cdn', file: 'a.log', fileIndex: 2, files: 3, bytes: 50, totalBytes: 100, records: 12345 })).toBe(
      '  ingest: [############............]  50% cdn a.log (file 2/3) 12,345 records',
    );
  });
  it('shows only a count where the size is unknown (a consent database)', () => {
    expect(formatIngestProgress({ source: 'consent-db', file: 'query', fileIndex: 1, files: 1, bytes: 0, totalBytes: 0, records: 7 })).toBe(
      '  ingest: consent-db query 7 records',
    );
  });
});

describe('stalled steps', () => {
  const { PendingActivityState, PendingWorkflowTaskState } = proto.temporal.api.enums.v1;
  // Timestamps as DescribeWorkflowExecution returns them (seconds are a protobuf Long there).
  const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 }) as unknown as google.protobuf.ITimestamp;
  const now = 1_800_000_000_000;
  const ingest = (o: object) => ({ activityType: { name: 'ingest' }, ...o });

  it('a started step whose last heartbeat is older than the threshold has made no progress', () => {
    const stalls = findStalls([ingest({ state: PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, lastHeartbeatTime: at(now - 45_000) })], undefined, now);
    expect(stalls).toEqual([{ step: 'ingest', quietMs: 45_000, kind: 'no-progress' }]);
    expect(formatStall(stalls[0]!)).toBe('(no progress for 45 s — is the worker alive?)');
  });

  it('a recent heartbeat, a step that never heartbeats, and a retry back-off are not stalls', () => {
    expect(findStalls([
      ingest({ state: PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, lastHeartbeatTime: at(now - 5_000) }),
      { activityType: { name: 'audit' }, state: PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, lastStartedTime: at(now - 600_000) },
      { activityType: { name: 'mask' }, state: PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, scheduledTime: at(now - 600_000), nextAttemptScheduleTime: at(now + 10_000) },
    ], undefined, now)).toEqual([]);
  });

  it('a step or workflow task ready for longer than the threshold is waiting for a worker', () => {
    const stalls = findStalls(
      [{ activityType: { name: 'mask' }, state: PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, scheduledTime: at(now - 600_000), lastAttemptCompleteTime: at(now - 31_000) }],
      { state: PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED, scheduledTime: at(now - 90_000) },
      now,
    );
    expect(stalls).toEqual([
      { step: 'mask', quietMs: 31_000, kind: 'not-taken' },
      { step: 'workflow', quietMs: 90_000, kind: 'not-taken' },
    ]);
    expect(formatStall(stalls[1]!)).toBe('(waiting 90 s for a worker to take it — is one running on this task queue?)');
  });
});
