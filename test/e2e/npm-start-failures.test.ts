import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, startDevServer, temporalReachable } from '../../cli/dev-server';
import { requireTemporalCli } from '../support/global-setup';
import { cloneTestDatabase } from '../support/harness';
import { eventually } from '../support/eventually';

// `npm start` (`govflow dev`) when something goes wrong while it starts: it exits non-zero with
// the cause in one line, and nothing it started outlives it. Each case runs the real command in a
// folder of its own (its data/ goes there) against a Temporal port of its own.

const GOVFLOW = resolve('bin/govflow.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'govflow-dev-'));
  dirs.push(dir);
  return dir;
}

interface Dev {
  pid: number;
  output(): { stdout: string; stderr: string };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startDev(cwd: string, env: NodeJS.ProcessEnv): Dev {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.SMTP_URL; // the mail catcher is one of the things it starts
  const child = spawn(process.execPath, [GOVFLOW, 'dev'], { cwd, env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return {
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    exit: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
  };
}

/** Command lines of the processes whose arguments contain `fragment` (none: []). */
function processesWith(fragment: string): string[] {
  const r = spawnSync('pgrep', ['-af', '--', fragment], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A stand-in `temporal` that never answers, and says where it runs (for the orphan check). */
function silentTemporal(dir: string): { binary: string; pidFile: string } {
  const binary = join(dir, 'temporal');
  const pidFile = join(dir, 'temporal.pid');
  writeFileSync(binary, `#!/bin/sh\necho $$ > "${pidFile}"\nexec sleep 600\n`);
  chmodSync(binary, 0o755);
  return { binary, pidFile };
}

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('npm start, when starting fails', () => {
  it('a Temporal port taken by something else: exit 1 with the dev server\'s own reason, nothing left running', async () => {
    const port = await freePort();
    const squatter = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const dev = startDev(tempDir(), {
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        TEMPORAL_CLI: requireTemporalCli(),
        DATABASE_URL: await cloneTestDatabase(),
      });
      const r = await dev.exit;
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`waiting up to 120 s for it to answer on 127.0.0.1:${port}`);
      expectOneLineError(r.stderr, new RegExp(`^govflow dev: temporal server start-dev exited with code \\d+: .*address already in use.*\\(log: .*temporal\\.log\\)$`));
      expect(processesWith(`--port ${port} `)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('a failure after the dev server is up (a broken govflow.yaml): the dev server and mail catcher are stopped, exit 1', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(join(dir, 'govflow.yaml'), 'sources: 42\npolicy: policy.yaml\n');
    const dev = startDev(dir, {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_CLI: requireTemporalCli(),
      DATABASE_URL: await cloneTestDatabase(),
      GOVFLOW_CONFIG: join(dir, 'govflow.yaml'),
    });
    const r = await dev.exit;
    expect(r.code).toBe(1);
    // It really got that far: the server answered, the schema was applied, mail was being caught.
    expect(r.stdout).toContain(`Temporal dev server answering on 127.0.0.1:${port}`);
    expect(r.stdout).toMatch(/mail catcher at smtp:\/\//);
    expect(r.stdout).toContain('stopping the Temporal dev server');
    expectOneLineError(r.stderr, /^govflow dev: .*govflow\.yaml is invalid: .*sources/);
    expect(processesWith(`--port ${port} `)).toEqual([]);
  });

  it('SIGTERM while it waits for the dev server: the dev server is stopped, exit 143', async () => {
    const dir = tempDir();
    const port = await freePort();
    const fake = silentTemporal(dir);
    const dev = startDev(dir, { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_CLI: fake.binary, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unused' });
    await eventually(async () => (existsSync(fake.pidFile) && dev.output().stdout.includes('waiting up to') ? true : undefined), 'govflow dev waiting for its server', 60_000);
    const serverPid = Number(readFileSync(fake.pidFile, 'utf8'));
    expect(alive(serverPid)).toBe(true);
    process.kill(dev.pid, 'SIGTERM');
    const r = await dev.exit;
    expect(r.code).toBe(143);
    expect(r.stdout).toContain('SIGTERM received while starting: stopping what was started');
    expectOneLineError(r.stderr, /^govflow dev: stopped by SIGTERM while starting$/);
    expect(alive(serverPid)).toBe(false);
  });
});

describe('startDevServer', () => {
  it('stops a server that does not answer within the start-up time, and says so', async () => {
    const fake = silentTemporal(tempDir());
    const started = Date.now();
    await expect(startDevServer({ binary: fake.binary, startupTimeoutMs: 1500 })).rejects.toThrow(/did not answer on 127\.0\.0\.1:\d+ within 1\.5 s/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(alive(Number(readFileSync(fake.pidFile, 'utf8')))).toBe(false);
  });
});

describe('temporalReachable', () => {
  // Issue 12: the first `npm start` probed localhost:7233 (nothing there), built the CLI for
  // minutes, started the server, and then its client gave up with "Failed to connect before the
  // deadline": the failed probe's channel had stayed open, and grpc-js shares its subchannel, by
  // then in a reconnect back-off of ~30 s, with every later channel to the same address.
  it('leaves no reconnect back-off behind: a client connects at once when the server comes up later', async () => {
    const port = await freePort();
    const address = `localhost:${port}`;
    expect(await temporalReachable(address)).toBe(false);
    await new Promise((r) => setTimeout(r, 50_000)); // the back-off would now be ~27 s
    const server = await startDevServer({ binary: requireTemporalCli(), port });
    try {
      // (Also shows that the orphan checks above would see a dev server left running.)
      expect(processesWith(`--port ${port} `)).toHaveLength(1);
      const started = Date.now();
      const connection = await Connection.connect({ address, connectTimeout: 10_000 });
      await connection.close();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await server.stop();
    }
  });
});
