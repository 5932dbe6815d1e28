import { describe, expect, it } from 'vitest';
import { logSettings, normaliseMeta } from '../../observability/logger';
import { metricsSettings } from '../../observability/runtime';
import { recordStep, registry } from '../../observability/metrics';
import { tracingEnabled } from '../../observability/tracing';

describe('log settings', () => {
  it('default per command, and refuse an unknown format or level naming the variable', () => {
    expect(logSettings({}, 'json')).toEqual({ format: 'json', level: 'INFO' });
    expect(logSettings({ GOVFLOW_LOG_FORMAT: 'TEXT', GOVFLOW_LOG_LEVEL: 'debug' }, 'json', 'WARN')).toEqual({ format: 'text', level: 'DEBUG' });
    expect(logSettings({ GOVFLOW_LOG_FORMAT: '', GOVFLOW_LOG_LEVEL: '' }, 'text', 'WARN')).toEqual({ format: 'text', level: 'WARN' });
    expect(() => logSettings({ GOVFLOW_LOG_FORMAT: 'xml' }, 'json')).toThrow(/GOVFLOW_LOG_FORMAT: "xml": expected json or text/);
    expect(() => logSettings({ GOVFLOW_LOG_LEVEL: 'loud' }, 'json')).toThrow(/GOVFLOW_LOG_LEVEL: "loud": expected TRACE, DEBUG, INFO, WARN or ERROR/);
  });

  it("log an activity's run id as runId, drop the task token, and reduce errors to type and message", () => {
    const err = new TypeError('boom');
    expect(normaliseMeta({ workflowRunId: 'r1', taskToken: 'AAAA', attempt: 2, error: err })).toEqual({ runId: 'r1', attempt: 2, error: { type: 'TypeError', message: 'boom' } });
  });
});

describe('metrics settings', () => {
  it('are off by default; the SDK port follows the metrics port; a bad port is refused by name', () => {
    expect(metricsSettings({})).toEqual({});
    expect(metricsSettings({ GOVFLOW_METRICS_PORT: 'off' })).toEqual({});
    expect(metricsSettings({ GOVFLOW_METRICS_PORT: '9464' })).toEqual({ port: 9464, sdkPort: 9465 });
    expect(metricsSettings({ GOVFLOW_METRICS_PORT: '9464', GOVFLOW_SDK_METRICS_PORT: '9999' })).toEqual({ port: 9464, sdkPort: 9999 });
    expect(() => metricsSettings({ GOVFLOW_METRICS_PORT: 'http' })).toThrow(/GOVFLOW_METRICS_PORT: "http": expected a TCP port/);
  });
});

describe('tracing switch', () => {
  it('is on only with an OTLP endpoint, and OTEL_SDK_DISABLED wins', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});

describe('recordStep', () => {
  it("turns a step's returned counts into labelled samples, and ignores other activities", async () => {
    recordStep('ingest', { counts: { recordsRead: 5 }, breakdown: { recordsBySource: { web: 3, app: 2 }, rejectedByReason: { 'web: malformed JSON': 1 } } });
    recordStep('audit', { counts: { findings: 4 }, breakdown: { findingsByRule: { 'brute-force': 3, 'denied-access': 1 } } });
    recordStep('mask', { counts: { maskedEvents: 7, maskedAuditTrail: 2 } });
    recordStep('openAlerts', [{ id: 1 }]);
    const text = await registry.metrics();
    expect(text).toContain('govflow_events_ingested_total{source="web"} 3');
    expect(text).toContain('govflow_events_ingested_total{source="app"} 2');
    expect(text).toContain('govflow_events_rejected_total{source="web",reason="malformed JSON"} 1');
    expect(text).toContain('govflow_findings_total{rule="brute-force"} 3');
    expect(text).toContain('govflow_masked_rows_total{table="masked_audit_trail"} 2');
  });
});
