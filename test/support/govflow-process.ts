import { spawn, type ChildProcess } from 'node:child_process';
import type { Harness } from './harness';

// The `govflow` command as a person runs it: a child process pointed at a test file's database,
// dev server and task queue.

export function govflowEnv(h: Harness, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, GOVFLOW_TASK_QUEUE: h.taskQueue, ...env };
}

export function spawnGovflow(h: Harness, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['bin/govflow.mjs', ...args], { env: govflowEnv(h, env) });
}

export function govflow(h: Harness, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnGovflow(h, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
