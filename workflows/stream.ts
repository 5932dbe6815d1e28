import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GovflowActivities } from '../activities';
import type { StreamSource } from '../ingest/stream/source';
import type { PullResult } from '../activities/stream';
import type { Window } from '../workflow-safe/window';
import { startEscalations } from './alert-escalation';

// streamGovernance: continuous governance of a stream of access events. Each micro-batch is pulled
// into Postgres by one activity (rows and checkpoint commit together), then the same audit,
// consent, mask and alert activities as a batch run govern the span of time the batch covers.
// Only counts and a time span pass through here. The workflow continues as new every
// `batchesPerRun` pulls (or when Temporal suggests it), carrying its KPIs, so its history
// stays small however long it runs.

export interface StreamInput {
  source: StreamSource;
  batchSize?: number;
  maxWaitMs?: number;
  lookbackMs?: number;
  batchesPerRun?: number;
  /** Carried across continue-as-new. */
  kpis?: StreamKpis;
  paused?: boolean;
}

export interface StreamKpis {
  batches: number;
  events: number;
  rejected: number;
  alertsRaised: number;
  /** Batches whose findings went to an alert already open for their hour. */
  alertsUpdated?: number;
  /** Figures of the last non-empty batch's span. */
  last?: { events: number; findings: number; consentViolations: number; maskedEvents: number; at: string };
  /** From the stream receiving a batch's oldest event to the batch being governed. */
  lastLagMs?: number;
  maxLagMs: number;
  continuedAsNew: number;
}

export interface StreamStatus {
  /** `pausing`: asked to pause, finishing the batch in hand; `paused`: no batch in hand. */
  state: 'running' | 'pausing' | 'paused' | 'stopping';
  source: StreamSource;
  kpis: StreamKpis;
}

/** The clock hour (UTC) an instant falls in: the span of a stream's alert. */
function clockHourOf(iso: string): Window {
  const start = Math.floor(Date.parse(iso) / 3_600_000) * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 3_600_000).toISOString() };
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const stopSignal = defineSignal('stop');
export const streamStatusQuery = defineQuery<StreamStatus>('streamStatus');

// Short timeouts: a batch is seconds of data, and when a worker dies its activities must be
// retried elsewhere within seconds, not after a batch run's half hour.
const pull = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
});
const step = proxyActivities<GovflowActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 20 },
});

export async function streamGovernance(input: StreamInput): Promise<StreamKpis> {
  const batchSize = input.batchSize ?? 5000;
  const maxWaitMs = input.maxWaitMs ?? 500;
  // Rules that need history (a burst of failures) look back from the window themselves; the
  // batch's own span is enough for the rest, and rescanning minutes per batch would not keep up.
  const lookbackMs = input.lookbackMs ?? 0;
  const batchesPerRun = input.batchesPerRun ?? 500;
  const kpis: StreamKpis = input.kpis ?? { batches: 0, events: 0, rejected: 0, alertsRaised: 0, maxLagMs: 0, continuedAsNew: 0 };
  let paused = input.paused ?? false;
  let stopping = false;
  let idle = false;

  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(stopSignal, () => void (stopping = true));
  setHandler(streamStatusQuery, () => ({
    state: stopping ? 'stopping' : paused ? (idle ? 'paused' : 'pausing') : 'running',
    source: input.source,
    kpis,
  }));

  const { workflowId, runId } = workflowInfo();
  const escalated = new Set<number>();
  let pulls = 0;
  const startPull = () =>
    pull.pullStreamBatch({ batchId: `${workflowId}:${runId}:${pulls++}`, source: input.source, batchSize, maxWaitMs, lookbackMs });
  // Idle polls count too: an empty stream must not grow one run's history without bound.
  const timeToContinue = () => pulls >= batchesPerRun || workflowInfo().continueAsNewSuggested;
  let next: Promise<PullResult> | undefined;

  for (;;) {
    if (!next) {
      if (paused && !stopping) {
        idle = true;
        await condition(() => !paused || stopping);
        idle = false;
      }
      if (stopping) return kpis;
      if (timeToContinue()) {
        // Only here, with no pull in flight: a pulled batch is always governed by the run that pulled it.
        kpis.continuedAsNew += 1;
        await continueAsNew<typeof streamGovernance>({ ...input, kpis, paused });
      }
      next = startPull();
    }
    const batch = await next;
    next = undefined;
    // Pull the next batch while this one is governed: its wait overlaps our work.
    if (!paused && !stopping && !timeToContinue()) next = startPull();

    if (batch.window) {
      const run = { workflowId, runId, window: batch.window, alertSpan: clockHourOf(batch.window.start) };
      // Mask needs consent (withdrawals leave the analytics tables) but the alert needs only audit
      // and consent: masking runs beside the alert, off the path from event to alert.
      const consenting = step.consent(run);
      const masking = consenting.then(() => step.mask(run));
      const [audit, consent] = await Promise.all([step.audit(run), consenting]);
      // The same alerting as a batch run, one alert per clock hour: the first batch with findings
      // raises it (and its escalation), later ones update it and are recorded as its occurrences.
      const alert = await startEscalations(run, await step.alert(run), escalated);
      const mask = await masking;
      kpis.alertsRaised += alert.counts.alertsRaised ?? 0;
      kpis.alertsUpdated = (kpis.alertsUpdated ?? 0) + (alert.counts.alertsUpdated ?? 0);
      kpis.last = {
        events: batch.records,
        findings: audit.counts.findings ?? 0,
        consentViolations: consent.counts.consentViolations ?? 0,
        maskedEvents: mask.counts.maskedEvents ?? 0,
        at: new Date().toISOString(),
      };
      if (batch.oldestReceivedAt !== null) {
        kpis.lastLagMs = Math.max(0, Date.now() - batch.oldestReceivedAt);
        kpis.maxLagMs = Math.max(kpis.maxLagMs, kpis.lastLagMs);
      }
    }
    // Counted once the batch is governed, so the KPIs never run ahead of the findings.
    if (batch.records > 0 || batch.rejected > 0) {
      kpis.batches += 1;
      kpis.events += batch.records;
      kpis.rejected += batch.rejected;
    }
  }
}
