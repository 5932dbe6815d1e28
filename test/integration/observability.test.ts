import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow } from '../support/govflow-cli';
import { eventually } from '../support/eventually';
import { SAMPLE_WINDOW } from '../../cli/commands/dev';

// What an operator watches, on a real `govflow worker` process and a real `govflow run`: the
// worker's JSON log lines, its Prometheus endpoint (govflow's metrics and the Temporal SDK's) and
// the OpenTelemetry trace of the run, received by an in-process OTLP/HTTP collector.

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Array<{ key: string; value: { stringValue?: string } }> }
interface Kpis { eventsIngested: number; recordsRejected: number; findings: { total: number; byRule: Record<string, number> }; consentViolations: number; maskedEvents: number }

let h: Harness;
let worker: ChildProcess;
let workerOut = '';
let collector: Server;
const spans: Array<OtlpSpan & { service: string }> = [];
let metricsPort: number;
let run: { workflowId: string; status: string; kpis: Kpis };

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** An OTLP/HTTP collector that keeps every span it receives (JSON encoding, as govflow exports). */
async function startCollector(): Promise<number> {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const msg = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const rs of msg.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
  return (collector.address() as AddressInfo).port;
}

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample, e.g. value(text, 'govflow_masked_rows_total{table="masked_events"}'). */
function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

beforeAll(async () => {
  h = await startHarness();
  const otlp = `http://127.0.0.1:${await startCollector()}`;
  metricsPort = await freePort();
  const queue = `${h.taskQueue}-obs`;
  worker = spawn(process.execPath, ['bin/govflow.mjs', 'worker'], {
    env: {
      ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_TASK_QUEUE: queue,
      GOVFLOW_METRICS_PORT: String(metricsPort), GOVFLOW_SDK_METRICS_PORT: String(await freePort()), OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      GOVFLOW_LOG_FORMAT: '', GOVFLOW_LOG_LEVEL: '',
    },
  });
  worker.stdout!.on('data', (d) => (workerOut += d));
  worker.stderr!.on('data', (d) => (workerOut += d));
  const deadline = Date.now() + 150_000;
  while (!workerOut.includes('polling task queue')) {
    if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`worker did not start:\n${workerOut}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const r = await runGovflow(h, ['run', '--json', '--from', SAMPLE_WINDOW.start, '--to', SAMPLE_WINDOW.end], { GOVFLOW_TASK_QUEUE: queue, OTEL_EXPORTER_OTLP_ENDPOINT: otlp });
  if (r.code !== 0) throw new Error(`govflow run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  run = JSON.parse(r.stdout);
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.on('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  collector?.close();
  await h?.close();
});

describe('structured logs', () => {
  it('are JSON lines, and a step line carries workflow id, run id, step and attempt', async () => {
    expect(run.status).toBe('completed');
    // The run can complete before this process has read the worker's last lines from its pipe.
    const wanted = ['ingest', 'audit', 'consent', 'mask', 'report', 'alert'];
    await eventually(async () => (wanted.every((w) => workerOut.includes(`"step":"${w}"`)) ? true : undefined), 'the steps\' log lines', 15_000);
    const lines = workerOut.trim().split('\n');
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
    expect(parsed.every((p) => typeof p.time === 'string' && typeof p.level === 'number' && typeof p.msg === 'string')).toBe(true);
    const steps = parsed.filter((p) => p.msg === 'step completed' && p.workflowId === run.workflowId);
    expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(wanted));
    for (const s of steps) {
      expect(s).toMatchObject({ workflowType: 'governanceRun', attempt: 1 });
      expect(s.runId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof s.durationMs).toBe('number');
    }
    const ingest = steps.find((s) => s.step === 'ingest') as { counts: Record<string, number> };
    expect(ingest.counts.recordsRead).toBe(run.kpis.eventsIngested);
  });
});

describe('Prometheus metrics', () => {
  it("show the run's KPIs: events ingested and rejected, findings per rule, consent violations, masked rows", async () => {
    const text = await scrape();
    expect(run.kpis.eventsIngested).toBeGreaterThan(0);
    expect(sum(text, 'govflow_events_ingested_total')).toBe(run.kpis.eventsIngested);
    expect(sum(text, 'govflow_events_rejected_total')).toBe(run.kpis.recordsRejected);
    expect(run.kpis.recordsRejected).toBeGreaterThan(0);
    expect(text).toMatch(/^govflow_events_rejected_total\{source="[^"]+",reason="[^"]+"\} \d+$/m);
    for (const [rule, n] of Object.entries(run.kpis.findings.byRule)) expect(sum(text, 'govflow_findings_total', { rule }), rule).toBe(n);
    expect(sum(text, 'govflow_findings_total')).toBe(run.kpis.findings.total);
    expect(sum(text, 'govflow_consent_violations_total')).toBe(run.kpis.consentViolations);
    expect(sum(text, 'govflow_masked_rows_total', { table: 'masked_events' })).toBe(run.kpis.maskedEvents);
    expect(sum(text, 'govflow_step_duration_seconds_count', { step: 'ingest', outcome: 'completed' })).toBe(1);
  });

  it('read open findings per severity and open alerts from the database at each scrape', async () => {
    const text = await scrape();
    const [{ n: alerts }] = (await h.sql('select count(*)::int as n from govflow.alerts where acknowledged_at is null')) as [{ n: number }];
    expect(sum(text, 'govflow_alerts_open')).toBe(alerts);
    const bySeverity = await h.sql('select severity, count(*)::int as n from govflow.audit_findings group by severity');
    expect(bySeverity.length).toBeGreaterThan(0);
    for (const r of bySeverity) expect(sum(text, 'govflow_findings_open', { severity: String(r.severity) })).toBe(r.n);
  });

  it("include the Temporal SDK's own metrics on the same endpoint", async () => {
    const text = await scrape();
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toMatch(/^temporal_activity_execution_latency\w*\{/m);
  });
});

describe('OpenTelemetry traces', () => {
  it('show one trace from the CLI through the workflow to every activity', async () => {
    const wanted = ['RunWorkflow:governanceRun', 'RunActivity:ingestFinish', 'RunActivity:audit', 'RunActivity:mask', 'RunActivity:report'];
    await eventually(async () => {
      const start = spans.find((s) => s.name === 'StartWorkflow:governanceRun' && s.service === 'govflow-cli');
      const names = new Set(spans.filter((s) => s.traceId === start?.traceId).map((s) => s.name));
      return start && wanted.every((n) => names.has(n)) ? true : undefined;
    }, `spans ${wanted.join(', ')} in one trace; got ${spans.length} spans`, 30_000);
    const start = spans.find((s) => s.name === 'StartWorkflow:governanceRun')!;
    const trace = spans.filter((s) => s.traceId === start.traceId);
    const runWorkflow = trace.find((s) => s.name === 'RunWorkflow:governanceRun')!;
    expect(runWorkflow.parentSpanId).toBe(start.spanId);
    expect(trace.find((s) => s.name === 'RunActivity:ingestFinish')!.service).toBe('govflow-worker');
    expect(JSON.stringify(runWorkflow.attributes)).toContain(run.workflowId);
  });
});
