import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { ConfigError } from '../config/config-error';
import { databaseUrlOf } from '../config/config';
import { DurationError } from '../config/duration';
import { InputError } from '../workflow-safe/run-input';
import { WindowError } from '../workflow-safe/window';
import { UsageError } from './command';
import { NoWorkerError } from './worker-check';

// The one place that turns an error into what a person reads: one line naming what was wrong and
// what to do, and the exit code. By kind, not by case: Temporal's not-found / already-exists /
// invalid-argument answers, Postgres's connection, login, missing-database and missing-schema
// errors, file-system errors, and govflow's own usage, window, duration and config errors.
//
// Exit codes: 2 for a usage error (the command line itself is wrong: an unknown flag, a malformed
// value, a window or cron Temporal cannot accept), 1 for a failure (the request was well formed
// but the world did not cooperate: no such id, the id exists, a file is missing, a service cannot
// be reached). Anything not recognised is an unexpected error: its first line, and its stack only
// with --debug.

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where the command was pointed: named in messages, never with a password. */
export interface ErrorContext {
  databaseUrl?: string;
  temporalAddress?: string;
  namespace?: string;
}

/** Where a command was pointed (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE), for error messages; never throws. */
export function errorContext(): ErrorContext {
  return {
    databaseUrl: databaseUrlOf(),
    temporalAddress: process.env.TEMPORAL_ADDRESS,
    namespace: process.env.TEMPORAL_NAMESPACE,
  };
}

export interface Explained {
  message: string;
  exitCode: 1 | 2;
  /** False for an error govflow does not recognise (a bug, most likely): --debug shows its stack. */
  known: boolean;
}

/** A failure already phrased for a person (exit 1): printed as it is, without a stack. */
export class FailureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailureError';
  }
}

const failure = (message: string): Explained => ({ message, exitCode: EXIT_FAILURE, known: true });
const usage = (message: string): Explained => ({ message, exitCode: EXIT_USAGE, known: true });

/** Messages other parts of govflow already phrase for people (connection helpers, deps checks). */
const PLAIN_MESSAGES = /^(cannot reach|database .* has no govflow schema|The Temporal CLI)/;

/** A connection URL fit for messages: the password is never printed, even from a malformed URL. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * Checks DATABASE_URL's shape before any connection: `pg` reads a malformed string as a host name
 * (so "notaurl" fails later as "getaddrinfo ENOTFOUND base"), which names nothing a person can fix.
 * Returns a message, or undefined when the URL is usable. Format: libpq's connection URI,
 * postgresql://[user[:password]@][host][:port][/dbname][?param=value…] (PostgreSQL docs §32.1.1.2).
 */
export function databaseUrlProblem(url: string): string | undefined {
  const expected = 'expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `DATABASE_URL "${redactedUrl(url)}" is not a URL; ${expected}`;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    return `DATABASE_URL "${redactedUrl(url)}" is not a Postgres URL (scheme ${u.protocol}); ${expected}`;
  }
  if (!u.pathname.replace(/^\//, '')) return `DATABASE_URL "${redactedUrl(url)}" names no database; ${expected}`;
  return undefined;
}

/**
 * Gives a file-system error the path it concerns: Node leaves it out of errors on an open file
 * descriptor (EISDIR from read(2) on a directory opened for reading). Returns `e`.
 */
export function withPath(e: unknown, path: string): unknown {
  if (e instanceof Error && typeof (e as SystemErrorLike).code === 'string' && !(e as SystemErrorLike).path) (e as SystemErrorLike).path = path;
  return e;
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory (check the path; a file to write needs an existing folder)',
  EISDIR: 'is a directory; give a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
};

const NET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is it running?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporarily)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

interface SystemErrorLike extends Error {
  code?: string;
  path?: string;
  dest?: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
  errors?: unknown[];
  input?: string;
}

interface PgErrorLike extends Error {
  code: string;
  severity?: string;
}

/** A Postgres server error: five-character SQLSTATE plus a severity (pg's DatabaseError). */
function isPgError(e: unknown): e is PgErrorLike {
  const x = e as PgErrorLike;
  return e instanceof Error && typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code) && typeof x.severity === 'string';
}

function postgresTarget(ctx: ErrorContext): string {
  return ctx.databaseUrl ? redactedUrl(ctx.databaseUrl) : 'DATABASE_URL';
}

/** SQLSTATE classes, PostgreSQL docs Appendix A. */
function explainPg(e: PgErrorLike, ctx: ErrorContext): Explained {
  const at = postgresTarget(ctx);
  if (e.code === '3D000') return failure(`${e.message} (DATABASE_URL ${at}); create it and its schema with: govflow migrate`);
  if (e.code === '42P01' || e.code === '3F000') {
    return failure(`database ${at} has no govflow schema (${e.message}): run "govflow migrate" first`);
  }
  if (e.code.startsWith('28')) return failure(`Postgres refused the login at ${at}: ${e.message}; check the user and password in DATABASE_URL`);
  if (e.code.startsWith('08') || e.code === '57P03' || e.code === '53300') return failure(`cannot reach Postgres at ${at}: ${e.message}`);
  if (e.code === '42501') return failure(`Postgres: ${e.message} (the DATABASE_URL user ${at} lacks a privilege)`);
  return failure(`Postgres: ${e.message} (SQLSTATE ${e.code})`);
}

function sameHost(ctx: ErrorContext, e: SystemErrorLike): boolean {
  if (!ctx.databaseUrl) return false;
  try {
    const u = new URL(ctx.databaseUrl);
    const port = Number(u.port || 5432);
    const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
    if (e.hostname) return e.hostname === host;
    return e.port === port || e.address === host;
  } catch {
    return false;
  }
}

function explainSystem(e: SystemErrorLike, ctx: ErrorContext): Explained | undefined {
  // Node reports a refused dual-stack connect (::1 and 127.0.0.1) as an AggregateError of both.
  const inner = (e.errors?.[0] as SystemErrorLike | undefined) ?? e;
  const code = e.code ?? inner.code;
  if (!code) return undefined;
  if (code in FS_PROBLEMS && (e.path || inner.path)) {
    return failure(`${e.path ?? inner.path}: ${FS_PROBLEMS[code]}`);
  }
  if (code in NET_PROBLEMS) {
    // pg reads a malformed DATABASE_URL as a host name ("notaurl" → ENOTFOUND base): name the URL.
    const malformed = ctx.databaseUrl ? databaseUrlProblem(ctx.databaseUrl) : undefined;
    if (malformed) return usage(malformed);
    const where = inner.hostname ?? (inner.address ? `${inner.address}${inner.port ? `:${inner.port}` : ''}` : undefined);
    if (sameHost(ctx, inner)) return failure(`cannot reach Postgres at ${postgresTarget(ctx)}: ${NET_PROBLEMS[code]}; start it or set DATABASE_URL`);
    return failure(`cannot connect${where ? ` to ${where}` : ''}: ${NET_PROBLEMS[code]}`);
  }
  if (code === 'ERR_INVALID_URL') {
    if (ctx.databaseUrl && e.input === ctx.databaseUrl) return usage(databaseUrlProblem(ctx.databaseUrl) ?? `DATABASE_URL is not a valid URL`);
    return usage(`"${e.input ? redactedUrl(e.input) : '?'}" is not a valid URL`);
  }
  return undefined;
}

/** gRPC status codes (grpc/doc/statuscodes.md) as Temporal's frontend uses them. */
const GRPC = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, FAILED_PRECONDITION: 9, UNAVAILABLE: 14, UNAUTHENTICATED: 16 };

function grpcOf(e: unknown): { code: number; details: string } | undefined {
  const candidates = [e, (e as Error | undefined)?.cause];
  for (const c of candidates) {
    if (isGrpcServiceError(c)) return { code: c.code, details: c.details || c.message.replace(/^\d+ [A-Z_]+: /, '') };
  }
  return undefined;
}

function explainTemporal(e: unknown, ctx: ErrorContext): Explained | undefined {
  const ns = ctx.namespace ?? 'default';
  const at = ctx.temporalAddress ? ` at ${ctx.temporalAddress}` : '';
  if (e instanceof NamespaceNotFoundError) {
    return failure(`Temporal namespace "${e.namespace}" does not exist${at}; create it (temporal operator namespace create ${e.namespace}) or set TEMPORAL_NAMESPACE`);
  }
  if (e instanceof WorkflowNotFoundError) {
    return failure(`no workflow "${e.workflowId}" in Temporal namespace "${ns}"${at}; check the id (govflow runs lists runs)`);
  }
  if (e instanceof ScheduleNotFoundError) return failure(`no schedule "${e.scheduleId}" in Temporal namespace "${ns}"; see govflow schedule list`);
  if (e instanceof ScheduleAlreadyRunning) {
    return failure(`schedule "${e.scheduleId}" already exists; change it with "govflow schedule update ${e.scheduleId} …" or delete it first`);
  }
  if (e instanceof WorkflowExecutionAlreadyStartedError) {
    return failure(`workflow "${e.workflowId}" is already running (govflow status ${e.workflowId}); wait for it, or start under another id`);
  }
  if (e instanceof WorkflowFailedError) {
    return failure(`the workflow failed: ${e.cause?.message ?? e.message}`);
  }
  if (e instanceof WorkflowUpdateFailedError) return failure(`the update failed: ${e.cause?.message ?? e.message}`);

  const grpc = grpcOf(e);
  if (!grpc) return e instanceof ServiceError ? failure(`Temporal${at}: ${e.message}`) : undefined;
  const nsMissing = /namespace (\S+) is not found/i.exec(grpc.details);
  if (nsMissing) {
    const name = nsMissing[1]!.replace(/[."]+$/g, '').replace(/^"/, '');
    return failure(`Temporal namespace "${name}" does not exist${at}; create it (temporal operator namespace create ${name}) or set TEMPORAL_NAMESPACE`);
  }
  switch (grpc.code) {
    case GRPC.INVALID_ARGUMENT:
      return usage(`Temporal refused the request: ${grpc.details}`);
    case GRPC.NOT_FOUND:
      return failure(`Temporal${at} has no such thing: ${grpc.details}`);
    case GRPC.ALREADY_EXISTS:
      return failure(`Temporal${at}: already exists: ${grpc.details}`);
    case GRPC.UNAVAILABLE:
      return failure(`cannot reach Temporal${at}: ${grpc.details}; start it with "npm start" or set TEMPORAL_ADDRESS`);
    case GRPC.DEADLINE_EXCEEDED:
      return failure(`Temporal${at} did not answer in time: ${grpc.details}`);
    case GRPC.PERMISSION_DENIED:
    case GRPC.UNAUTHENTICATED:
      return failure(`Temporal${at} refused access: ${grpc.details}; check TEMPORAL_API_KEY or the TLS settings`);
    default:
      return failure(`Temporal${at}: ${grpc.details}`);
  }
}

/**
 * What to print for an error that ended a command, and the exit code. Never throws; never returns
 * a stack. `ctx` names the database and Temporal server the command was pointed at.
 */
export function explainError(e: unknown, ctx: ErrorContext = {}): Explained {
  if (e instanceof UsageError || e instanceof WindowError || e instanceof InputError || e instanceof DurationError) return usage(e.message);
  if (e instanceof ConfigError || e instanceof FailureError || e instanceof NoWorkerError) return failure(e.message);
  if (e instanceof RangeError && /time ?zone/i.test(e.message)) return usage(e.message);
  // The Temporal client compiles a schedule's cron string itself and throws a TypeError for a bad
  // one (e.g. "CronString does not have 5-7 fields", "Minute is not in range [0-59]").
  if (e instanceof TypeError && /cron|is not in range/i.test(e.message)) return usage(`--cron: ${e.message.split('\n')[0]}; expected 5 fields: minute hour day-of-month month day-of-week, e.g. "0 * * * *"`);
  const temporal = explainTemporal(e, ctx);
  if (temporal) return temporal;
  if (isPgError(e)) return explainPg(e, ctx);
  if (e instanceof Error) {
    const system = explainSystem(e as SystemErrorLike, ctx);
    if (system) return system;
    if (PLAIN_MESSAGES.test(e.message)) return failure(e.message);
    // A wrapped cause may be one of the kinds above (e.g. a pg error inside a Kysely error).
    if (e.cause && e.cause !== e) {
      const inner = explainError(e.cause, ctx);
      if (inner.known) return inner;
    }
    const first = e.message.split('\n')[0] || e.name;
    return { message: `unexpected error: ${e.name === 'Error' ? '' : `${e.name}: `}${first} (run again with --debug for the stack trace)`, exitCode: EXIT_FAILURE, known: false };
  }
  return { message: `unexpected error: ${String(e)}`, exitCode: EXIT_FAILURE, known: false };
}
