import {
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { GovflowActivities } from '../activities';
import type { RunRef } from '../workflow-safe/run-ref';
import type { TaskResult } from '../workflow-safe/dag';
import { escalationWorkflowId } from '../workflow-safe/alert-ids';
import { STEP_HEARTBEAT_TIMEOUT } from '../workflow-safe/heartbeat-timeout';

// alertEscalation: one workflow per alert. It notifies the first line, waits for an
// acknowledgement (an update or a signal, sent by `govflow alerts ack <id>`) for as long as the
// policy's SLA for the alert's severity allows, on a durable timer that survives worker restarts,
// and otherwise escalates to the second line; then keeps waiting until someone acknowledges.

// A notification of a worker that died is retried after the heartbeat timeout, not after the
// whole start-to-close timeout (notifyAlert heartbeats while it sends: activities/index.ts).
const act = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: STEP_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface Acknowledgement {
  by: string;
}
export interface AckResult {
  alertId: number;
  status: string;
  acknowledgedBy: string | null;
}
export type EscalationPhase = 'notifying' | 'awaiting-ack' | 'escalated' | 'acknowledged' | 'closed';
export interface EscalationState {
  alertId: number;
  phase: EscalationPhase;
  slaMs?: number;
  escalated: boolean;
  acknowledgedBy?: string;
}

export const acknowledgeUpdate = defineUpdate<AckResult, [Acknowledgement]>('acknowledge');
export const acknowledgeSignal = defineSignal<[Acknowledgement]>('acknowledge');
export const escalationStateQuery = defineQuery<EscalationState>('state');

export async function alertEscalation(input: { alertId: number }): Promise<EscalationState> {
  const state: EscalationState = { alertId: input.alertId, phase: 'notifying', escalated: false };
  let ack: AckResult | undefined;
  let ackBy: string | undefined;

  // Both the update and the signal record the acknowledgement in Postgres before the workflow
  // moves on; the update also tells the caller what was recorded.
  const acknowledge = async (a: Acknowledgement): Promise<AckResult> => {
    ackBy ??= a.by;
    ack ??= { alertId: input.alertId, ...(await act.acknowledgeAlert({ alertId: input.alertId, by: ackBy })) };
    return ack;
  };
  setHandler(acknowledgeUpdate, acknowledge);
  setHandler(acknowledgeSignal, async (a) => void (await acknowledge(a)));
  setHandler(escalationStateQuery, () => state);

  const first = await act.notifyAlert({ alertId: input.alertId, stage: 'first-line' });
  state.slaMs = first.slaMs;
  if (first.status === 'open') {
    state.phase = 'awaiting-ack';
    const acknowledged = await condition(() => ackBy !== undefined, first.slaMs);
    if (!acknowledged) {
      const second = await act.notifyAlert({ alertId: input.alertId, stage: 'escalation' });
      state.escalated = second.status === 'open';
      state.phase = 'escalated';
      if (state.escalated) await condition(() => ackBy !== undefined);
    }
  }
  await condition(allHandlersFinished);
  state.acknowledgedBy = ack?.acknowledgedBy ?? undefined;
  state.phase = ack ? 'acknowledged' : 'closed';
  return state;
}

/**
 * Starts the escalation of every open alert the run raised or updated. The workflow id is
 * derived from the alert's uid, so a re-run that updates the same alert starts nothing new; the
 * escalation outlives the run (ParentClosePolicy ABANDON). A caller that governs many windows
 * (the stream) passes `escalated`, the alerts it has already seen escalating, and is spared a
 * refused start per batch for an alert that spans many batches.
 */
export async function startEscalations(run: RunRef, alertResult: TaskResult, escalated?: Set<number>): Promise<TaskResult> {
  let started = 0;
  for (const alert of await act.openAlerts(run)) {
    if (escalated?.has(alert.id)) continue;
    try {
      await startChild(alertEscalation, {
        workflowId: escalationWorkflowId(alert.uid),
        args: [{ alertId: alert.id }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      started++;
    } catch (err) {
      // Already running for this alert: nothing to do.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    escalated?.add(alert.id);
  }
  return { ...alertResult, counts: { ...alertResult.counts, escalationsStarted: started } };
}
