import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

// OpenTelemetry traces of runs, off unless an OTLP endpoint is configured. The standard OTel
// variables decide (https://opentelemetry.io/docs/specs/otel/protocol/exporter/):
// OTEL_EXPORTER_OTLP_ENDPOINT (base URL; /v1/traces is appended) or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL), OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME;
// OTEL_SDK_DISABLED=true turns tracing off. Spans go out as OTLP/HTTP (JSON).
//
// Temporal's OpenTelemetry plugin makes the spans and carries the trace context in Temporal
// headers: the client's StartWorkflow span (the `govflow run` process) is the parent of the
// workflow's spans (exported from the workflow sandbox through a sink) and of every activity's
// span (in the worker process), so one run is one trace across processes. Span attributes are
// Temporal ids only (workflow id, run id, activity id): no payloads, no personal data.

let provider: BasicTracerProvider | undefined;
let plugin: OpenTelemetryPlugin | undefined;

/** Whether the environment asks for traces. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Starts tracing for this process once (a global tracer provider with an OTLP exporter) and
 * returns the Temporal plugin for its Client and Worker; undefined when tracing is off.
 * `processor` replaces the OTLP exporter (tests).
 */
export function tracingPlugin(opts: { serviceName?: string; processor?: SpanProcessor; env?: NodeJS.ProcessEnv } = {}): OpenTelemetryPlugin | undefined {
  if (plugin) return plugin;
  const env = opts.env ?? process.env;
  if (!opts.processor && !tracingEnabled(env)) return undefined;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? opts.serviceName ?? 'govflow' });
  // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
  const spanProcessor = opts.processor ?? new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 });
  provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Async context, so a span started around an awaited call is the parent of spans inside it.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  plugin = new OpenTelemetryPlugin({ resource, spanProcessor });
  return plugin;
}

/** Sends the spans still buffered and stops; call before the process exits. Never throws. */
export async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  plugin = undefined;
  await p?.shutdown().catch(() => {});
}
