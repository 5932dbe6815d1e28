import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import type { Harness } from './harness';

// The `govflow` command as a person runs it: a child process pointed at the harness's database,
// Temporal server and task queue.

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runGovflow(h: Harness, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/govflow.mjs', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: h.databaseUrl,
        TEMPORAL_ADDRESS: h.temporalAddress,
        GOVFLOW_TASK_QUEUE: h.taskQueue,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `govflow worker` process of the test's own, polling once this resolves. */
export interface WorkerProcess {
  /** Its Temporal identity: the SDK's default, `pid@hostname`, as histories record it. */
  identity: string;
  stop(): Promise<void>;
}

export function startGovflowWorker(h: Harness, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/govflow.mjs', 'worker', ...args], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_TASK_QUEUE: h.taskQueue, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const stopped = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('polling task queue')) {
        resolve({
          identity: `${child.pid}@${hostname()}`,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await stopped;
          },
        });
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`govflow worker exited ${code} before polling:\n${out}`)));
  });
}
