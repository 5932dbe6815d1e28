import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { RetentionClassResult, RetentionInput } from '../lifecycle/retention';

type RetentionActivities = Pick<
  GovflowActivities,
  | 'retentionAccessEvents'
  | 'retentionAuditTrail'
  | 'retentionMaskedEvents'
  | 'retentionFindings'
  | 'retentionConsentLedger'
  | 'retentionRejectedRecords'
  | 'retentionReports'
  | 'retentionVaultEntries'
>;

const act = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export interface RetentionRunInput {
  /** Count what would go, delete nothing (receipts are still written, marked dry_run). */
  dryRun?: boolean;
}

export interface RetentionRunResult {
  runId: string;
  dryRun: boolean;
  /** The reference instant; each class's cut-off is this minus its period. */
  now: string;
  classes: RetentionClassResult[];
}

/**
 * One retention pass over every table class of the policy's `retention` section, one activity per
 * class, one after the other (each in short batches, so it may run beside ingest). The reference
 * instant is fixed once here, so all classes and every retry share the same cut-offs. The input
 * and the result hold only flags, instants and counts: no row crosses Temporal.
 */
export async function retentionRun(input: RetentionRunInput = {}): Promise<RetentionRunResult> {
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') {
    throw ApplicationFailure.nonRetryable('dryRun: expected true or false', 'InputError');
  }
  const info = workflowInfo();
  const runId = `${info.workflowId}/${info.runId}`;
  const args: RetentionInput = { now: new Date().toISOString(), dryRun: input.dryRun ?? false, runId };
  const classes = [
    await act.retentionAccessEvents(args),
    await act.retentionAuditTrail(args),
    await act.retentionMaskedEvents(args),
    await act.retentionFindings(args),
    await act.retentionConsentLedger(args),
    await act.retentionRejectedRecords(args),
    await act.retentionReports(args),
    // Last: the classes above may have removed someone's last row.
    await act.retentionVaultEntries(args),
  ];
  return { runId, dryRun: args.dryRun, now: args.now, classes };
}
