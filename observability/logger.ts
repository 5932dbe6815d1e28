import { pino, type Logger as Pino } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { ConfigError } from '../config/config-error';

// govflow's process logs: one pino logger per process. The worker writes JSON lines (one object a
// line: time, level, msg, and the workflow/activity attributes the Temporal SDK attaches) so a log
// shipper can index them; a person at a terminal can ask for text instead. Only ids, counts,
// durations and error messages are logged, never a record's fields (architecture rule 3): the
// canary test (test/integration/pii-protection.test.ts) searches a real worker's log for them.

/** `json` (one JSON object a line, pino's format) or `text` (a line a person reads). */
export type LogFormat = 'json' | 'text';

const LEVELS: Record<string, LogLevel> = { TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', WARNING: 'WARN', ERROR: 'ERROR' };

/**
 * The log settings of the environment: GOVFLOW_LOG_FORMAT (`json` | `text`, default `fallback`) and
 * GOVFLOW_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR; default `defaultLevel`); empty means unset.
 * Throws a ConfigError naming the variable and the accepted values when either is something else.
 */
export function logSettings(env: NodeJS.ProcessEnv, fallback: LogFormat, defaultLevel: LogLevel = 'INFO'): { format: LogFormat; level: LogLevel } {
  const format = (env.GOVFLOW_LOG_FORMAT || fallback).toLowerCase();
  if (format !== 'json' && format !== 'text') throw new ConfigError('environment', [`GOVFLOW_LOG_FORMAT: "${env.GOVFLOW_LOG_FORMAT}": expected json or text`]);
  const rawLevel = env.GOVFLOW_LOG_LEVEL;
  const level = rawLevel ? LEVELS[rawLevel.toUpperCase()] : defaultLevel;
  if (!level) throw new ConfigError('environment', [`GOVFLOW_LOG_LEVEL: "${rawLevel}": expected TRACE, DEBUG, INFO, WARN or ERROR`]);
  return { format, level };
}

const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** The more verbose of two levels. */
export function moreVerbose(a: LogLevel, b: LogLevel): LogLevel {
  return RANK[a] <= RANK[b] ? a : b;
}

/** Temporal's level names → pino's. */
const PINO_LEVEL: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * A pino logger writing to `fd` (1 = stdout, 2 = stderr): JSON lines, or in `text` format
 * `2026-11-30T10:00:00.000Z INFO  message {attributes}`.
 */
export function createLogger(opts: { format: LogFormat; level: LogLevel; fd?: 1 | 2 }): Pino {
  const fd = opts.fd ?? 1;
  const level = PINO_LEVEL[opts.level];
  if (opts.format === 'json') {
    return pino({ level, base: { service: 'govflow', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
  }
  const out = fd === 1 ? process.stdout : process.stderr;
  return pino(
    { level, base: undefined, timestamp: false },
    {
      write(line: string) {
        const { level: n, msg, ...rest } = JSON.parse(line) as { level: number; msg?: string };
        const attrs = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
        out.write(`${new Date().toISOString()} ${pino.levels.labels[n]!.toUpperCase().padEnd(5)} ${msg ?? ''}${attrs}\n`);
      },
    },
  );
}

/**
 * Temporal's Logger interface over pino, for `Runtime.install({ logger })`: the SDK's own lines,
 * workflow `log.*` (delivered through the SDK's logger sink) and activity `Context.current().log`
 * all arrive here with their attributes (workflowId, runId, workflowType, activityType, attempt …).
 */
export class PinoTemporalLogger implements TemporalLogger {
  /** `threshold`: lines below it are dropped here (the pino logger may let more through for govflow's own lines). */
  constructor(
    private readonly pino: Pino,
    private readonly threshold: LogLevel = 'TRACE',
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (RANK[level] < RANK[this.threshold]) return;
    this.pino[PINO_LEVEL[level]](normaliseMeta(meta), message);
  }
  trace(message: string, meta?: LogMetadata) { this.log('TRACE', message, meta); }
  debug(message: string, meta?: LogMetadata) { this.log('DEBUG', message, meta); }
  info(message: string, meta?: LogMetadata) { this.log('INFO', message, meta); }
  warn(message: string, meta?: LogMetadata) { this.log('WARN', message, meta); }
  error(message: string, meta?: LogMetadata) { this.log('ERROR', message, meta); }
}

/**
 * One attribute set for workflow and activity lines: an activity's `workflowRunId` is logged as
 * `runId` (the workflow's name for it); the task token (opaque bytes, long) is dropped; an error
 * becomes its type and message (its stack is for --debug, not for a log index).
 */
export function normaliseMeta(meta: LogMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'taskToken') continue;
    if (k === 'workflowRunId') out.runId = v;
    else if (v instanceof Error) out[k] = { type: v.name, message: v.message };
    else if (typeof v === 'bigint') out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}
