import { spawn } from 'node:child_process';
import type { Harness } from './harness';

// The `govflow` command as a person runs it: a child process, pointed at the harness's database,
// Temporal dev server and task queue.

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
