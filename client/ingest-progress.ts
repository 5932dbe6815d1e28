import type { WorkflowHandle, WorkflowClient } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { IngestProgress } from '../activities/ingest';

// `govflow run` shows ingest's progress from the activity's heartbeat details, which Temporal
// keeps on the pending activity: no side channel, and it works for any worker anywhere.

export async function pendingIngestProgress(client: WorkflowClient, handle: WorkflowHandle): Promise<IngestProgress | undefined> {
  const { raw } = await handle.describe();
  const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'ingest');
  const payloads = pending?.heartbeatDetails?.payloads;
  if (!payloads?.length) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return details as IngestProgress;
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
