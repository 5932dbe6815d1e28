import { describe, expect, it } from 'vitest';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { databaseUrlProblem, explainError } from '../../cli/errors';
import { UsageError } from '../../cli/command';
import { WindowError } from '../../workflow-safe/window';
import { DurationError } from '../../config/duration';
import { ConfigError } from '../../config/config-error';

// The mapping from error kinds to one line and an exit code. The integration test
// (cli-errors.test.ts) provokes the real errors through the real CLI; this one pins each kind.

const ctx = { databaseUrl: 'postgres://gov:s3cret@db.example:5433/govflow', temporalAddress: 'localhost:7233', namespace: 'default' };
const sys = (code: string, extra: Record<string, unknown>) => Object.assign(new Error(`${code} something`), { code, ...extra });
const pgErr = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const grpc = (code: number, details: string) => Object.assign(new Error(`${code} X: ${details}`), { code, details, metadata: {} });

describe('explainError', () => {
  it.each([
    ['usage', new UsageError('--x: bad'), 2, /^--x: bad$/],
    ['window', new WindowError('--from', 'bad'), 2, /^--from: bad$/],
    ['duration', new DurationError('--every: "x" is not a duration'), 2, /not a duration/],
    ['config', new ConfigError('/a/govflow.yaml', ['sources: required']), 1, /govflow\.yaml is invalid/],
    ['workflow not found', new WorkflowNotFoundError('nope', 'wf-1', undefined), 1, /^no workflow "wf-1" in Temporal namespace "default" at localhost:7233; check the id/],
    ['schedule not found', new ScheduleNotFoundError('nope', 'hourly'), 1, /^no schedule "hourly" .*govflow schedule list/],
    ['schedule exists', new ScheduleAlreadyRunning('exists', 'hourly'), 1, /^schedule "hourly" already exists; change it with "govflow schedule update hourly/],
    ['workflow running', new WorkflowExecutionAlreadyStartedError('started', 'wf-1', 'governanceRun'), 1, /^workflow "wf-1" is already running/],
    ['namespace', new NamespaceNotFoundError('nope'), 1, /^Temporal namespace "nope" does not exist at localhost:7233; create it/],
    ['namespace (gRPC)', new ServiceError('x', { cause: grpc(5, 'Namespace nope is not found.') }), 1, /^Temporal namespace "nope" does not exist/],
    ['invalid argument', new ServiceError('x', { cause: grpc(3, 'invalid cron string: "61 * * * *"') }), 2, /^Temporal refused the request: invalid cron string/],
    ['already exists', grpc(6, 'schedule is already registered'), 1, /already exists: schedule is already registered/],
    ['unavailable', new ServiceError('x', { cause: grpc(14, 'connection refused') }), 1, /^cannot reach Temporal at localhost:7233/],
    ['no database', pgErr('3D000', 'database "govflow" does not exist'), 1, /^database "govflow" does not exist \(DATABASE_URL postgres:\/\/gov:\*\*\*@db\.example:5433\/govflow\); create it .*govflow migrate/],
    ['no schema', pgErr('42P01', 'relation "govflow.alerts" does not exist'), 1, /has no govflow schema \(relation "govflow\.alerts" does not exist\): run "govflow migrate" first/],
    ['no schema (3F000)', pgErr('3F000', 'schema "govflow" does not exist'), 1, /has no govflow schema/],
    ['login', pgErr('28P01', 'password authentication failed for user "gov"'), 1, /^Postgres refused the login at .*check the user and password in DATABASE_URL/],
    ['refused (Postgres)', sys('ECONNREFUSED', { address: '10.0.0.1', port: 5433 }), 1, /^cannot reach Postgres at postgres:\/\/gov:\*\*\*@db\.example:5433\/govflow: connection refused/],
    ['refused (dual stack)', Object.assign(new AggregateError([sys('ECONNREFUSED', { address: '::1', port: 5433 })]), { code: 'ECONNREFUSED' }), 1, /^cannot reach Postgres/],
    ['host not found', sys('ENOTFOUND', { hostname: 'db.example' }), 1, /^cannot reach Postgres at .*: host not found/],
    ['other host', sys('ECONNREFUSED', { address: '127.0.0.1', port: 2525 }), 1, /^cannot connect to 127\.0\.0\.1:2525: connection refused/],
    ['missing file', sys('ENOENT', { path: '/tmp/x.jsonl', syscall: 'open' }), 1, /^\/tmp\/x\.jsonl: no such file or directory/],
    ['directory', sys('EISDIR', { path: '/tmp', syscall: 'read' }), 1, /^\/tmp: is a directory; give a file$/],
    ['not a directory', sys('ENOTDIR', { path: '/etc/passwd/x' }), 1, /^\/etc\/passwd\/x: a part of the path is not a directory$/],
    ['permission', sys('EACCES', { path: '/root/x' }), 1, /^\/root\/x: permission denied$/],
    ['bad URL', Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: ctx.databaseUrl }), 2, /^DATABASE_URL/],
    ['time zone', new RangeError('Invalid time zone specified: Mars/Olympus'), 2, /Invalid time zone/],
  ])('%s', (_kind, error, exitCode, message) => {
    const e = explainError(error, ctx);
    expect(e.message).toMatch(message);
    expect(e.exitCode).toBe(exitCode);
    expect(e.known).toBe(true);
    expect(e.message).not.toContain('s3cret');
  });

  it('finds a known kind in a cause, and says "unexpected" (one line, no stack) for the rest', () => {
    expect(explainError(new Error('query failed', { cause: pgErr('42P01', 'relation "govflow.runs" does not exist') }), ctx).message).toMatch(/no govflow schema/);
    const odd = explainError(new TypeError("Cannot read properties of undefined (reading 'x')\n    at foo (bar.ts:1:1)"), ctx);
    expect(odd).toEqual({ message: "unexpected error: TypeError: Cannot read properties of undefined (reading 'x') (run again with --debug for the stack trace)", exitCode: 1, known: false });
  });
});

describe('databaseUrlProblem', () => {
  it('names a malformed DATABASE_URL without printing its password', () => {
    expect(databaseUrlProblem('postgres://postgres@127.0.0.1:5432/govflow')).toBeUndefined();
    expect(databaseUrlProblem('postgresql://u:p@[::1]/g?sslmode=disable')).toBeUndefined();
    expect(databaseUrlProblem('notaurl')).toMatch(/^DATABASE_URL "notaurl" is not a URL; expected postgres:\/\/USER\[:PASSWORD\]@HOST\[:PORT\]\/DATABASE$/);
    expect(databaseUrlProblem('mysql://u:pw@h/db')).toMatch(/is not a Postgres URL \(scheme mysql:\)/);
    expect(databaseUrlProblem('postgres://u:pw@h:99999/db')).toMatch(/^DATABASE_URL "postgres:\/\/\*\*\*@h:99999\/db" is not a URL/);
    expect(databaseUrlProblem('postgres://u:pw@h:5432')).toMatch(/names no database/);
    expect(databaseUrlProblem('postgres://u:pw@h:5432')).not.toContain('pw');
  });
});
