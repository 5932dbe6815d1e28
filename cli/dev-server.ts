import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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
  /** Gives up waiting (and stops the process) when aborted, e.g. by Ctrl-C during start-up. */
  signal?: AbortSignal;
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

/**
 * True when a Temporal frontend answers `address` (host:port) within `timeoutMs`.
 *
 * The probe uses a subchannel pool of its own and always closes its channel. grpc-js otherwise
 * shares one subchannel per target across every channel of the process, and a probe that found
 * nothing would leave that subchannel in reconnect back-off (growing to 120 s): the next real
 * connection to the same address, made right after the server came up, would then wait out the
 * back-off and fail with "Failed to connect before the deadline".
 */
export async function temporalReachable(address: string, timeoutMs = 1000): Promise<boolean> {
  const connection = Connection.lazy({ address, connectTimeout: timeoutMs, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
  try {
    await connection.ensureConnected();
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => {});
  }
}

/** The last line this start wrote to its log (from byte `from` on) that says what went wrong. */
function lastLogLine(logFile: string | undefined, from: number): string | undefined {
  if (!logFile || !existsSync(logFile)) return undefined;
  const lines = readFileSync(logFile).subarray(from).toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.reverse().find((l) => /error|fatal|fail|unable|address already in use/i.test(l)) ?? lines[0];
  if (!line) return undefined;
  try {
    const j = JSON.parse(line) as { msg?: string; error?: string };
    return [j.msg, j.error].filter(Boolean).join(': ') || line;
  } catch {
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }
}

/**
 * Starts `temporal server start-dev` and waits until its frontend answers, at most
 * `startupTimeoutMs` (default 60 s). Throws with a one-line cause (and the log file to read) when
 * the process exits first, does not answer in time or `signal` aborts; the process is stopped
 * before the throw.
 * Whatever happens later, the server does not outlive this Node.js process: it is killed on exit.
 */
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
  let logStart = 0;
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    out = openSync(o.logFile, 'a');
    logStart = fstatSync(out).size;
  }
  const child = spawn(o.binary, args, { stdio: ['ignore', out, out] });
  if (typeof out === 'number') closeSync(out); // the child holds its own copy
  // A safety net for every way this process can end (process.exit after an error, an uncaught
  // exception): 'exit' handlers run synchronously, and kill() is a synchronous system call.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      process.off('exit', killOnExit);
      resolve();
    });
    child.once('error', (err) => {
      exited = `could not be started (${err.message})`;
      process.off('exit', killOnExit);
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (exited) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await gone;
    clearTimeout(timer);
  };

  const address = `127.0.0.1:${port}`;
  const timeoutMs = o.startupTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await temporalReachable(address))) {
    if (o.signal?.aborted) {
      await stop();
      throw o.signal.reason instanceof Error ? o.signal.reason : new Error('start-up aborted');
    }
    if (exited) {
      const cause = lastLogLine(o.logFile, logStart);
      throw new Error(`temporal server start-dev ${exited}${cause ? `: ${cause}` : ''}${o.logFile ? ` (log: ${o.logFile})` : ''}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`temporal server start-dev did not answer on ${address} within ${timeoutMs / 1000} s${o.logFile ? ` (log: ${o.logFile})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return { address, uiUrl: o.uiPort ? `http://localhost:${o.uiPort}` : undefined, process: child, stop };
}
