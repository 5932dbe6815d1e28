import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';
import { runGovflow, type CliResult } from '../support/govflow-cli';

// Every command, called the wrong way, as a person would: the real `govflow` process against the
// real dev server and Postgres. Whatever the mistake, the answer is one line on stderr naming it,
// no stack trace, and exit code 2 for a usage error (the command line is wrong) or 1 for a failure
// (no such id, the id exists, a missing file, a missing database or schema).

let h: Harness;
let workflowId: string;
let emptyDbUrl: string;
const suffix = randomBytes(3).toString('hex');
const schedule = `fc-exists-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'govflow-cli-errors-'));
const SAMPLE = ['--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T11:00:00Z'];

beforeAll(async () => {
  h = await startHarness();
  // A run of the sample hour: a real id with reports, and data held from 2026-11-01T10:00Z on.
  const r = await runGovflow(h, ['run', ...SAMPLE, '--json']);
  expect(r.code).toBe(0);
  workflowId = JSON.parse(r.stdout).workflowId;
  // A database that exists but has no govflow schema.
  emptyDbUrl = new URL(`/${new URL(h.databaseUrl).pathname.slice(1)}_empty`, h.databaseUrl).toString();
  const admin = new pg.Client({ connectionString: new URL('/postgres', h.databaseUrl).toString() });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(new URL(emptyDbUrl).pathname.slice(1))}`);
  await admin.end();
  const created = await runGovflow(h, ['schedule', 'create', schedule, '--every', '1h', '--paused']);
  expect(created.code).toBe(0);
}, 600_000);

afterAll(async () => {
  await runGovflow(h, ['schedule', 'delete', schedule]);
  if (emptyDbUrl) {
    const admin = new pg.Client({ connectionString: new URL('/postgres', h.databaseUrl).toString() });
    await admin.connect();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(new URL(emptyDbUrl).pathname.slice(1))} with (force)`);
    await admin.end();
  }
  await h?.close();
}, 300_000);

/** One line on stderr, starting "govflow: ", no stack frame anywhere, and the exit code. */
function expectOneLine(r: CliResult, code: 1 | 2, message: RegExp, label: string) {
  expect(`${r.stdout}\n${r.stderr}`, label).not.toMatch(/^\s{2,}at /m);
  expect(r.stderr, label).toMatch(/^govflow: [^\n]+\n$/);
  expect(r.stderr, label).toMatch(message);
  expect(r.code, `${label}: ${r.stderr}`).toBe(code);
}

type Case = [args: string[], code: 1 | 2, message: RegExp, env?: NodeJS.ProcessEnv];

/** Runs the cases a few processes at a time (each `govflow` start compiles TypeScript). */
async function sweep(cases: Case[], parallel = 6): Promise<Array<[Case, CliResult]>> {
  const results: Array<[Case, CliResult]> = new Array(cases.length);
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      results[i] = [c, await runGovflow(h, c[0], c[3])];
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results;
}

const NOPE = `no-such-id-${suffix}`;

describe('usage errors: exit 2, one line naming the mistake and the expected form', () => {
  const cases: Case[] = [
    // Windows: ISO-8601 with a zone, end after start, and over.
    [['run', '--from', '2026-11-01T11:00:00Z', '--to', '2026-11-01T10:00:00Z'], 2, /--to: must be after --from/],
    [['run', '--from', 'noon', '--to', '2026-11-01T11:00:00Z'], 2, /--from: "noon" is not an ISO-8601 date-time with a zone; expected e\.g\. 2026-11-01T10:00:00Z/],
    [['run', '--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T10:00:00Z'], 2, /--to: must be after --from/],
    [['run', '--from', '2026-11-01T10:00:00', '--to', '2026-11-01T11:00:00'], 2, /--from: "2026-11-01T10:00:00" has no time zone; add Z or an offset/],
    [['run', '--from', '1', '--to', '2'], 2, /--from: "1" is not an ISO-8601 date-time with a zone/],
    [['run', '--from', '2026-11-01', '--to', '2026-11-02'], 2, /--from: "2026-11-01" is not an ISO-8601 date-time with a zone/],
    [['run', '--from', '2099-01-01T00:00:00Z', '--to', '2099-01-01T01:00:00Z'], 2, /--to: 2099-01-01T01:00:00\.000Z is in the future .*give a window that has ended/],
    [['run', '--from', '2026-11-01T10:00:00Z'], 2, /--from and --to go together/],
    [['schedule', 'backfill', schedule, '--from', '2026-11-01T00:00:00Z', '--to', '2099-01-01T00:00:00Z'], 2, /--to: .* is in the future/],
    [['schedule', 'backfill', schedule, '--from', 'yesterday', '--to', '2026-11-02T00:00:00Z'], 2, /--from: "yesterday" is not an ISO-8601/],
    // Flags and values.
    [['--bogus'], 2, /^govflow: unknown option --bogus; see govflow --help\n$/],
    [['--bogus', 'alerts', 'list'], 2, /unknown option --bogus; see govflow alerts --help/],
    [['run', '--form', '2026-11-01T10:00:00Z'], 2, /unknown option --form \(did you mean --from\?\); see govflow run --help/],
    [['status', workflowId ?? 'x', '--to'], 2, /unknown option --to; see govflow status --help/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['findings', 'x', '--severity', 'urgent'], 2, /--severity: "urgent" is not one of low, medium, high, critical/],
    [['findings', 'x', '--rule', 'nope'], 2, /--rule: "nope" is not one of denied_access/],
    [['alerts', 'list', '--status', 'closed'], 2, /--status: "closed" is not one of open, acknowledged, resolved, all/],
    [['alerts', 'list', '--limit', 'ten'], 2, /--limit: expected a whole number of at least 1, got "ten"/],
    [['report', 'x', '--format', 'pdf'], 2, /--format: "pdf" is not one of text, html, json/],
    [['replay', 'x', '--mode', 'rewind'], 2, /--mode: "rewind" is not one of auto, reset, new-run/],
    // replay's own refusal: a run Temporal has no history of cannot be reset.
    [['replay', NOPE, '--mode', 'reset'], 2, new RegExp(`${NOPE}: Temporal has no history of it any more`)],
    [['runs', '--status', 'sleeping'], 2, /--status: "sleeping" is not one of running, completed/],
    [['runs', '--query', 'NoSuchAttribute = 1'], 2, /--query: Temporal rejected the query/],
    [['stream', 'start', '--batch-size', '0'], 2, /--batch-size: expected a whole number of at least 1, got "0"/],
    [['stream', 'rewind'], 2, /usage: govflow stream/],
    [['codec-server', '--port', 'http'], 2, /--port: expected a whole number from 0 to 65535/],
    [['schedule', 'create', `fc-bad-${suffix}`, '--every', 'hourly'], 2, /--every: "hourly" is not a duration; expected e\.g\. 30s, 15m, 1h/],
    [['schedule', 'create', `fc-bad-${suffix}`, '--cron', '0 * * * *', '--timezone', 'Mars/Olympus_Mons'], 2, /--timezone: "Mars\/Olympus_Mons" is not an IANA time zone name/],
    [['schedule', 'create', `fc-bad-${suffix}`, '--cron', '61 25 * * *'], 2, /--cron: .*not in range.*expected 5 fields/],
    [['schedule', 'create', `fc-bad-${suffix}`, '--cron', 'bad cron'], 2, /--cron: .*expected 5 fields/],
    [['schedule', 'create', `fc-bad-${suffix}`, '--every', '1h', '--overlap', 'sometimes'], 2, /--overlap: "sometimes" is not one of skip, buffer-one/],
    [['schedule', 'update', schedule, '--catchup-window', 'soon'], 2, /--catchup-window: "soon" is not a duration/],
    [['schedule', 'explode', 'x'], 2, /schedule needs an action/],
    [['status'], 2, /status needs a workflow id/],
    [['erase'], 2, /erase needs the person/],
    [['access-request', '--out', '/tmp'], 2, /access-request needs the person: govflow access-request --subject <id>/],
    [['dsr'], 2, /dsr needs an action: status, run, schedule/],
    [['dsr', 'purge'], 2, /dsr needs an action/],
    [['detokenise', 'tok_x'], 2, /detokenise needs a token and a reason/],
    [['alerts', 'list'], 2, /DATABASE_URL "notaurl" is not a URL; expected postgres:\/\/USER/, { DATABASE_URL: 'notaurl' }],
    [['findings', 'x'], 2, /DATABASE_URL ".*" is not a Postgres URL \(scheme http:\)/, { DATABASE_URL: 'http://example.com/x' }],
  ];
  it('every command with malformed windows, unknown flags, bad values and a malformed DATABASE_URL', async () => {
    for (const [[args, code, message], r] of await sweep(cases)) {
      expectOneLine(r, code, message, args.join(' '));
      expect(r.stdout, args.join(' ')).toBe('');
    }
  }, 1_800_000);
});

describe('failures: exit 1, one line naming what was missing or in the way and what to do', () => {
  const cases: () => Case[] = () => [
    // Ids Temporal does not know.
    [['status', NOPE], 1, new RegExp(`no workflow "${NOPE}" in Temporal namespace "default"`)],
    [['schedule', 'describe', NOPE], 1, new RegExp(`no schedule "${NOPE}" in Temporal namespace "default"; see govflow schedule list`)],
    [['schedule', 'delete', NOPE], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['schedule', 'pause', NOPE], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['schedule', 'unpause', NOPE], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['schedule', 'trigger', NOPE], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['schedule', 'update', NOPE, '--every', '2h'], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['schedule', 'backfill', NOPE, '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-01T02:00:00Z'], 1, new RegExp(`no schedule "${NOPE}"`)],
    [['stream', 'status', '--stream', NOPE], 1, new RegExp(`no workflow "stream-stream-${NOPE}"`)],
    [['stream', 'pause', '--stream', NOPE], 1, new RegExp(`no workflow "stream-stream-${NOPE}"`)],
    [['stream', 'stop', '--stream', NOPE], 1, new RegExp(`no workflow "stream-stream-${NOPE}"`)],
    [['report', NOPE], 1, new RegExp(`no compliance-report for run "${NOPE}"`)],
    [['findings', NOPE], 1, new RegExp(`no run "${NOPE}"`)],
    [['alerts', 'ack', '999999'], 1, /there is no alert #999999/],
    [['detokenise', 'tok_nothing', '--reason', 'test'], 1, /no such token tok_nothing/],
    // An id that exists.
    [['schedule', 'create', schedule, '--every', '1h'], 1, new RegExp(`schedule "${schedule}" already exists; change it with "govflow schedule update ${schedule}`)],
    // Files.
    [['stream', 'push', join(dir, 'missing.jsonl')], 1, new RegExp(`${join(dir, 'missing.jsonl')}: no such file or directory`)],
    [['stream', 'push', dir], 1, new RegExp(`${dir}: is a directory; give a file`)],
    [['report', workflowId, '--out', join(dir, 'no-such-folder', 'r.html')], 1, new RegExp(`${join(dir, 'no-such-folder', 'r.html')}: no such file or directory`)],
    [['report', workflowId, '--out', dir], 1, new RegExp(`${dir}: is a directory; give a file`)],
    // Databases: missing, without schema, unreachable.
    [['alerts', 'list'], 1, /database ".*_nope" does not exist .*create it and its schema with: govflow migrate/, { DATABASE_URL: `${h.databaseUrl}_nope` }],
    [['findings', 'x'], 1, /has no govflow schema \(relation "govflow\.runs" does not exist\): run "govflow migrate" first/, { DATABASE_URL: emptyDbUrl }],
    [['report', 'x'], 1, /has no govflow schema/, { DATABASE_URL: emptyDbUrl }],
    [['alerts', 'list'], 1, /has no govflow schema/, { DATABASE_URL: emptyDbUrl }],
    [['detokenise', 'tok_x', '--reason', 'r'], 1, /has no govflow schema/, { DATABASE_URL: emptyDbUrl }],
    [['stream', 'push', join(dir, 'one.jsonl')], 1, /has no govflow schema/, { DATABASE_URL: emptyDbUrl }],
    [['erase', '--subject', 'user-1'], 1, /has no govflow schema/, { DATABASE_URL: emptyDbUrl }],
    [['alerts', 'list'], 1, /cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/x: connection refused/, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }],
    // migrate (and npm start, which migrates) connects through ensureDatabase: the same words.
    [['migrate'], 1, /cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/x: connection refused \(is it running\?\); start it or set DATABASE_URL/, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }],
    // Temporal: an unknown namespace, nothing listening.
    [['status', 'x'], 1, /Temporal namespace "no-such-namespace" does not exist/, { TEMPORAL_NAMESPACE: 'no-such-namespace' }],
    [['schedule', 'list'], 1, /Temporal namespace "no-such-namespace" does not exist/, { TEMPORAL_NAMESPACE: 'no-such-namespace' }],
    [['runs'], 1, /Temporal namespace "no-such-namespace" does not exist/, { TEMPORAL_NAMESPACE: 'no-such-namespace' }],
    [['run', ...SAMPLE], 1, /Temporal namespace "no-such-namespace" does not exist/, { TEMPORAL_NAMESPACE: 'no-such-namespace' }],
    [['runs'], 1, /cannot reach Temporal at 127\.0\.0\.1:1/, { TEMPORAL_ADDRESS: '127.0.0.1:1' }],
  ];
  it('every command with ids that do not exist, ids that do, missing files and missing databases', async () => {
    writeFileSync(join(dir, 'one.jsonl'), '{}\n');
    for (const [[args, code, message], r] of await sweep(cases())) expectOneLine(r, code, message, args.join(' '));
  }, 1_800_000);

  it('run --id of a run that is still going', { timeout: 300_000 }, async () => {
    const id = `fc-running-${suffix}`;
    // Nobody polls this queue: the run stays running until terminated.
    const handle = await h.client.workflow.start('governanceRun', { taskQueue: `nobody-${suffix}`, workflowId: id, args: [{}] });
    try {
      const r = await runGovflow(h, ['run', ...SAMPLE, '--id', id]);
      expectOneLine(r, 1, new RegExp(`workflow "${id}" is already running \\(govflow status ${id}\\); wait for it, or start under another id`), 'run --id');
    } finally {
      await handle.terminate('test over');
    }
  });

  it('--debug adds the stack trace, and only then', { timeout: 300_000 }, async () => {
    const plain = await runGovflow(h, ['status', NOPE]);
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    const debug = await runGovflow(h, ['--debug', 'status', NOPE]);
    expect(debug.code).toBe(1);
    expect(debug.stderr.split('\n')[0]).toBe(plain.stderr.trim());
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

describe('help and windows', () => {
  it('global options work before the command; enum values in any case', { timeout: 300_000 }, async () => {
    const r = await runGovflow(h, ['--config', 'govflow.yaml', 'alerts', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.any(Array));
    const help = await runGovflow(h, ['schedule', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--catchup-window DURATION\s+create\/update: how late a missed run may still start \(default: 1h\)/);
    // Enum values in any case.
    const high = await runGovflow(h, ['findings', workflowId, '--severity', 'HIGH', '--json']);
    expect(high.code).toBe(0);
    expect(JSON.parse(high.stdout).every((f: { severity: string }) => ['high', 'critical'].includes(f.severity))).toBe(true);
  });

  it('a window before the earliest data held warns in one line, and the run goes on', { timeout: 300_000 }, async () => {
    const r = await runGovflow(h, ['run', '--from', '2001-01-01T00:00:00Z', '--to', '2001-01-01T01:00:00Z', '--json']);
    expect(r.stderr).toMatch(
      /^warning: the window 2001-01-01T00:00:00\.000Z → 2001-01-01T01:00:00\.000Z ends before the earliest data govflow holds \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\); the run goes on/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).window).toEqual({ start: '2001-01-01T00:00:00.000Z', end: '2001-01-01T01:00:00.000Z' });
  });
});
