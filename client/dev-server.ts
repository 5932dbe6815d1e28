import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';

// `temporal server start-dev`: a complete Temporal (SQLite persistence, Web UI) in one process,
// for tests and `npm start`.

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  binary: string;
  port?: number; // 0 or omitted: a free port
  uiPort?: number; // omitted: headless
  dbFile?: string; // omitted: in memory
  logFile?: string;
  namespace?: string;
  /** Extra `--search-attribute NAME=TYPE` registrations. */
  searchAttributes?: Record<string, string>;
  startupTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Temporal frontend answers at `address`. */
export async function temporalReachable(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.getSystemInfo({});
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const port = o.port || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--namespace', o.namespace ?? 'default');
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  if (o.dbFile) {
    mkdirSync(dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile);
  }
  for (const [name, type] of Object.entries(o.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);

  let out: number | 'ignore' = 'ignore';
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    out = openSync(o.logFile, 'a');
  }
  const child = spawn(o.binary, args, { stdio: ['ignore', out, out] });
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (o.startupTimeoutMs ?? 60_000);
  while (!(await temporalReachable(address))) {
    if (exited) throw new Error(`temporal server start-dev ${exited}${o.logFile ? `; see ${o.logFile}` : ''}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not answer on ${address} within ${(o.startupTimeoutMs ?? 60_000) / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    address,
    uiUrl: o.uiPort ? `http://localhost:${o.uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
