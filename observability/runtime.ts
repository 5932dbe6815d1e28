import type { Logger as Pino } from 'pino';
import { Runtime } from '@temporalio/worker';
import { ConfigError } from '../config/config-error';
import { createLogger, logSettings, moreVerbose, PinoTemporalLogger, type LogFormat } from './logger';

// The process-wide Temporal Runtime (installed once, before the first connection): its logger is
// govflow's pino logger, and when metrics are asked for, the SDK serves its own Prometheus metrics
// (temporal_* : task slots, poll latencies, activity/workflow task counts …) on a loopback port
// that govflow's metrics endpoint appends to its own (observability/metrics.ts).

export interface MetricsSettings {
  /** govflow's /metrics port (GOVFLOW_METRICS_PORT); undefined = no metrics endpoint. */
  port?: number;
  /** Where the SDK's own exporter listens (GOVFLOW_SDK_METRICS_PORT, default port + 1, loopback only). */
  sdkPort?: number;
}

function portOf(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'off') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError('environment', [`${name}: "${raw}": expected a TCP port (0-65535), or off`]);
  return n;
}

/**
 * GOVFLOW_METRICS_PORT (off by default) and GOVFLOW_SDK_METRICS_PORT; throws naming the variable
 * (a ConfigError) when one is not a port. Port 0 picks a free port (the worker logs which).
 */
export function metricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const port = portOf(env, 'GOVFLOW_METRICS_PORT');
  if (port === undefined) return {};
  const sdkPort = portOf(env, 'GOVFLOW_SDK_METRICS_PORT') ?? (port === 0 ? 0 : port + 1);
  return { port, sdkPort };
}

let installed: { logger: Pino; metrics: MetricsSettings } | undefined;

/**
 * Installs the Runtime once: logs in `format` (GOVFLOW_LOG_FORMAT overrides it) at
 * GOVFLOW_LOG_LEVEL (default `defaultLevel`) to `fd`, and the SDK's metrics exporter when
 * GOVFLOW_METRICS_PORT is set. Returns the process's logger for govflow's own lines.
 */
export function installRuntime(opts: { format: LogFormat; fd: 1 | 2; defaultLevel?: 'INFO' | 'WARN' }): { logger: Pino; metrics: MetricsSettings } {
  if (installed) return installed;
  const { format, level } = logSettings(process.env, opts.format, opts.defaultLevel ?? 'INFO');
  // GOVFLOW_LOG_LEVEL filters what comes through Temporal (SDK, workflow and step lines); the
  // worker's own news (listening, polling, reloaded, stopped) is INFO and always shown.
  const logger = createLogger({ format, level: moreVerbose(level, 'INFO'), fd: opts.fd });
  const metrics = metricsSettings();
  let sdkPort = metrics.sdkPort;
  // The SDK needs a concrete port to bind: with GOVFLOW_METRICS_PORT=0 ("any", for tests) pick one at random.
  if (sdkPort === 0) sdkPort = 20000 + Math.floor(Math.random() * 20000);
  Runtime.install({
    logger: new PinoTemporalLogger(logger, level),
    telemetryOptions: {
      logging: { filter: { core: level === 'TRACE' || level === 'DEBUG' ? 'INFO' : 'WARN', other: 'ERROR' }, forward: {} },
      ...(sdkPort !== undefined ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}`, countersTotalSuffix: true, unitSuffix: true } } } : {}),
    },
  });
  installed = { logger, metrics: { ...metrics, sdkPort } };
  return installed;
}
