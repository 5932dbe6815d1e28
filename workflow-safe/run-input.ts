import type { ConfigIdentity } from '../config/config';
import { lastFullHour, parseWindow, WindowError, type Window } from './window';

// The input of governanceRun: one JSON object, as typed into the Temporal UI's Start Workflow
// form, the CLI, or a schedule. Pure code: the workflow validates its own input with it.

export const TRIGGERS = ['manual', 'cli', 'schedule', 'stream', 'replay', 'late-data'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface GovernanceInput {
  /**
   * ISO-8601 date-times with a zone (`2026-11-01T10:00:00Z`, `…+01:00`), checked by parseWindow as
   * the CLI checks --from/--to. Omitted: the last full hour before the run started.
   */
  window?: { start: string; end: string };
  trigger?: Trigger;
  /** Tasks that already succeeded for this window in an earlier run: a replay skips them. */
  skipTasks?: string[];
  /**
   * Length of the window when none is given and the run was started by a schedule: the window
   * is then the `windowSeconds` that end at the schedule's action time. Default: one hour.
   */
  windowSeconds?: number;
  /**
   * Allowed lateness of a scheduled run's data: the window then ends `latenessSeconds` before the
   * action time (a schedule offset by 15m runs 10:00–11:00 at 11:15), so rows that arrive within
   * that delay are governed by their own window's run rather than as late data. Default 0.
   */
  latenessSeconds?: number;
  /** Raise a deadline alert if the run is still going after this long (default: the policy's). */
  deadlineSeconds?: number;
  /**
   * The config and policy the starter meant (`govflow run --config X` sends X's paths and sha256):
   * the worker reloads its files if they changed and fails the run, non-retryably, if its own
   * still differ. Omitted: the run uses the worker's config, whatever it is.
   */
  expectedConfig?: ConfigIdentity;
  /**
   * Set when this run governs a window again because rows arrived after it was governed: why, and
   * which run found them (ingest/late-windows.ts). Its report is marked revised.
   */
  revision?: Revision;
  /**
   * Each region's sources, for a run that skips ingest (a late window's revision: its parent's
   * ingest found them), so its audit, consent and mask stay on their regions' queues
   * (workflow-safe/source-scope.ts). Omitted: what ingest finds, or none.
   */
  sourceRegions?: SourceRegions;
}

/** Each region's sources, by region (source-scope.ts's SourceRegions; restated: that file imports this one through RunRef). */
type SourceRegions = Record<string, string[]>;

export interface Revision {
  reason: 'late-data';
  /** The workflow id of the run that found the late rows. */
  detectedBy: string;
}

export interface ResolvedInput {
  window: Window;
  trigger: Trigger;
  skipTasks: string[];
  deadlineSeconds?: number;
  expectedConfig?: ConfigIdentity;
  revision?: Revision;
  sourceRegions?: SourceRegions;
}

export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`invalid governanceRun input: ${field}: ${message}`);
    this.name = 'InputError';
  }
}

const KNOWN_KEYS = new Set(['window', 'trigger', 'skipTasks', 'windowSeconds', 'latenessSeconds', 'deadlineSeconds', 'expectedConfig', 'revision', 'sourceRegions']);

const HOUR_S = 3600;

/**
 * `scheduledAt` is the schedule's action time (TemporalScheduledStartTime) when a schedule started
 * the run: a run without an explicit window then governs the interval that ends there.
 */
export function resolveInput(raw: unknown, now: Date, taskIds: readonly string[], scheduledAt?: Date): ResolvedInput {
  const input = raw ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InputError('(input)', 'expected one JSON object such as {} or {"window": {"start": "…", "end": "…"}}');
  }
  const obj = input as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!KNOWN_KEYS.has(k)) throw new InputError(k, `unknown field; expected one of ${[...KNOWN_KEYS].join(', ')}`);
  }

  const windowSeconds = positiveNumber(obj, 'windowSeconds') ?? HOUR_S;
  const deadlineSeconds = positiveNumber(obj, 'deadlineSeconds');
  const lateness = obj.latenessSeconds ?? 0;
  if (typeof lateness !== 'number' || !Number.isFinite(lateness) || lateness < 0) throw new InputError('latenessSeconds', 'expected a number of seconds, 0 or more');

  let window: Window;
  if (obj.window === undefined && scheduledAt) {
    const end = scheduledAt.getTime() - lateness * 1000;
    window = { start: new Date(end - windowSeconds * 1000).toISOString(), end: new Date(end).toISOString() };
  } else if (obj.window === undefined) {
    window = lastFullHour(now);
  } else if (typeof obj.window !== 'object' || obj.window === null) {
    throw new InputError('window', 'expected an object {"start": ISO-8601, "end": ISO-8601}');
  } else {
    try {
      window = parseWindow(obj.window as { start?: unknown; end?: unknown });
    } catch (err) {
      if (err instanceof WindowError) throw new InputError(err.field, err.message.slice(err.field.length + 2));
      throw err;
    }
  }

  const trigger = obj.trigger ?? (scheduledAt ? 'schedule' : 'manual');
  if (typeof trigger !== 'string' || !(TRIGGERS as readonly string[]).includes(trigger)) {
    throw new InputError('trigger', `expected one of ${TRIGGERS.join(', ')}`);
  }

  const skip = obj.skipTasks ?? [];
  if (!Array.isArray(skip) || skip.some((t) => typeof t !== 'string' || !taskIds.includes(t))) {
    throw new InputError('skipTasks', `expected a list of task ids from ${taskIds.join(', ')}`);
  }

  const resolved: ResolvedInput = { window, trigger: trigger as Trigger, skipTasks: skip as string[] };
  if (deadlineSeconds !== undefined) resolved.deadlineSeconds = deadlineSeconds;
  if (obj.expectedConfig !== undefined) resolved.expectedConfig = expectedConfig(obj.expectedConfig);
  if (obj.revision !== undefined) resolved.revision = revision(obj.revision);
  if (obj.sourceRegions !== undefined) resolved.sourceRegions = sourceRegionsOf(obj.sourceRegions);
  return resolved;
}

function revision(v: unknown): Revision {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (o.reason !== 'late-data') throw new InputError('revision.reason', 'expected "late-data"');
  if (typeof o.detectedBy !== 'string' || o.detectedBy === '') throw new InputError('revision.detectedBy', 'expected the workflow id of the run that found the late rows');
  return { reason: 'late-data', detectedBy: o.detectedBy };
}

function sourceRegionsOf(v: unknown): SourceRegions {
  const ok = typeof v === 'object' && v !== null && !Array.isArray(v) &&
    Object.entries(v).every(([r, s]) => /^[a-z0-9][a-z0-9-]*$/.test(r) && Array.isArray(s) && s.every((x) => typeof x === 'string'));
  if (!ok) throw new InputError('sourceRegions', 'expected an object of region name → list of source names');
  return v as SourceRegions;
}

function expectedConfig(v: unknown): ConfigIdentity {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  for (const k of ['configFile', 'policyFile'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') throw new InputError(`expectedConfig.${k}`, 'expected a file path');
  }
  for (const k of ['configHash', 'policyHash'] as const) {
    if (typeof o[k] !== 'string' || !/^[0-9a-f]{64}$/.test(o[k])) throw new InputError(`expectedConfig.${k}`, 'expected a sha256 in hex');
  }
  return { configFile: o.configFile as string, configHash: o.configHash as string, policyFile: o.policyFile as string, policyHash: o.policyHash as string };
}

function positiveNumber(obj: Record<string, unknown>, field: string): number | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InputError(field, 'expected a number of seconds greater than 0');
  return v;
}
