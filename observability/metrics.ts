import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskResult } from '../workflow-safe/dag';

// govflow's domain metrics (Prometheus exposition format, through prom-client). They are fed from
// the counts every DAG step already returns (TaskResult, architecture rule 1): the worker's step
// observer (observability/step-observer.ts) calls recordStep once per finished activity, so no
// activity knows about metrics. Counters count what this worker process did since it started,
// as Prometheus counters do; a step retried after a crash counts again in the new process.

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'govflow_process_' });

export const eventsIngested = new Counter({
  name: 'govflow_events_ingested_total',
  help: 'Records read by the ingest step and the stream pull, per source',
  labelNames: ['source'] as const,
  registers: [registry],
});
export const eventsRejected = new Counter({
  name: 'govflow_events_rejected_total',
  help: 'Records quarantined in rejected_records, per source and reason',
  labelNames: ['source', 'reason'] as const,
  registers: [registry],
});
export const findings = new Counter({
  name: 'govflow_findings_total',
  help: "Audit findings in the runs' windows as each audit step counted them, per rule",
  labelNames: ['rule'] as const,
  registers: [registry],
});
export const consentViolations = new Counter({
  name: 'govflow_consent_violations_total',
  help: 'Processing without valid consent found by the consent step',
  registers: [registry],
});
export const maskedRows = new Counter({
  name: 'govflow_masked_rows_total',
  help: 'Rows written to the masked tables, per table',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const stepDuration = new Histogram({
  name: 'govflow_step_duration_seconds',
  help: 'Wall time of one attempt of a DAG step (activity), per step and outcome',
  labelNames: ['step', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
  registers: [registry],
});
export const streamLag = new Gauge({
  name: 'govflow_stream_lag_seconds',
  help: "Age of the oldest record of the last stream batch when it was committed, per consumer",
  labelNames: ['consumer'] as const,
  registers: [registry],
});

/** "source: reason" (how the ingest step keys rejectedByReason) → its two labels. */
function splitReason(key: string): { source: string; reason: string } {
  const i = key.indexOf(': ');
  return i < 0 ? { source: 'unknown', reason: key } : { source: key.slice(0, i), reason: key.slice(i + 2) };
}

/**
 * Adds one finished activity's result to the domain metrics. `step` is the activity type
 * (ingest, audit, consent, mask, pullStreamBatch …); results of other activities are ignored.
 */
export function recordStep(step: string, result: unknown): void {
  if (typeof result !== 'object' || result === null) return;
  const r = result as Partial<TaskResult> & { records?: number; oldestReceivedAt?: number | null };
  const counts = r.counts ?? {};
  const breakdown = r.breakdown ?? {};
  switch (step) {
    case 'ingest':
      for (const [source, n] of Object.entries(breakdown.recordsBySource ?? {})) if (n) eventsIngested.inc({ source }, n);
      for (const [key, n] of Object.entries(breakdown.rejectedByReason ?? {})) if (n) eventsRejected.inc(splitReason(key), n);
      break;
    case 'audit':
      for (const [rule, n] of Object.entries(breakdown.findingsByRule ?? {})) if (n) findings.inc({ rule }, n);
      break;
    case 'consent':
      if (counts.consentViolations) consentViolations.inc(counts.consentViolations);
      break;
    case 'mask':
      if (counts.maskedEvents) maskedRows.inc({ table: 'masked_events' }, counts.maskedEvents);
      if (counts.maskedAuditTrail) maskedRows.inc({ table: 'masked_audit_trail' }, counts.maskedAuditTrail);
      break;
    case 'pullStreamBatch':
      if (r.records) eventsIngested.inc({ source: 'stream' }, r.records);
      if (typeof r.oldestReceivedAt === 'number' && r.records) streamLag.set({ consumer: 'stream' }, Math.max(0, (Date.now() - r.oldestReceivedAt) / 1000));
      break;
  }
}

/**
 * Gauges read from the database at each scrape, so they say what is true now whichever worker
 * did the work: findings held per rule and severity (a finding's severity is set per finding by
 * the policy, so only the table knows it) and alerts not yet acknowledged. A failed read (the
 * database restarting) leaves the last values rather than failing the scrape.
 */
export function registerDatabaseGauges(query: (text: string) => Promise<{ rows: Array<Record<string, unknown>> }>): void {
  for (const name of ['govflow_findings_open', 'govflow_alerts_open']) if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  new Gauge({
    name: 'govflow_findings_open',
    help: 'Audit findings held in audit_findings, per rule and severity',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
    async collect() {
      try {
        const { rows } = await query('select rule, severity, count(*)::int as n from govflow.audit_findings group by rule, severity');
        this.reset();
        for (const r of rows) this.set({ rule: String(r.rule), severity: String(r.severity) }, Number(r.n));
      } catch {
        // keep the last values
      }
    },
  });
  new Gauge({
    name: 'govflow_alerts_open',
    help: 'Alerts raised and not yet acknowledged',
    registers: [registry],
    async collect() {
      try {
        const { rows } = await query('select count(*)::int as n from govflow.alerts where acknowledged_at is null');
        this.set(Number(rows[0]?.n ?? 0));
      } catch {
        // keep the last value
      }
    },
  });
}

/**
 * Serves `GET /metrics` on `port` (0 = any free port), bound on `host`: govflow's registry, followed
 * by the Temporal SDK's own metrics when `sdkMetricsUrl` is given (the SDK serves those itself,
 * see observability/runtime.ts; one scrape target gets both). Resolves once listening.
 */
export async function startMetricsServer(opts: { port: number; host?: string; sdkMetricsUrl?: string }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' && !req.url?.startsWith('/metrics?')) {
      res.writeHead(404).end('not found: scrape /metrics\n');
      return;
    }
    void (async () => {
      try {
        let body = await registry.metrics();
        if (opts.sdkMetricsUrl) body += await fetch(opts.sdkMetricsUrl).then((r) => r.text(), () => '');
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      } catch (err) {
        res.writeHead(500).end(`${(err as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
