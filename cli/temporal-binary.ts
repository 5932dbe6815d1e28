import { spawnSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

// The `temporal` CLI carries the dev server and the Web UI. No prebuilt binary can be downloaded
// on every machine we run on, but Go's module proxy can be reached, so we build the real CLI once
// and cache it. Order: $TEMPORAL_CLI, PATH, the cache, then a build.

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.GOVFLOW_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'govflow');
  return join(base, `temporal-${TEMPORAL_CLI_VERSION.replace(/^v/, '')}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Finds the CLI without building it; undefined when a build is needed. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = join(cacheDir(env), 'temporal');
  return isExecutable(cached) ? cached : undefined;
}

/** Finds the CLI, building it into the cache with `go install` when it is nowhere to be found. */
export async function ensureTemporalCli(log: (line: string) => void = console.error): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;

  const go = onPath('go', process.env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      [
        'The Temporal CLI ("temporal") was not found, and Go is not installed to build it.',
        'Either install Go (https://go.dev/doc/install) and run this again, or install the CLI',
        '(https://docs.temporal.io/cli#install) and put it on PATH or point TEMPORAL_CLI at it.',
      ].join('\n'),
    );
  }
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  log(`govflow: building the Temporal CLI ${TEMPORAL_CLI_VERSION} with "go install ${MODULE}" into ${dir}`);
  log('govflow: this happens once per machine and takes a few minutes…');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', MODULE], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'] });
    // A build does not outlive the process that asked for it (e.g. `npm start` stopped by a signal).
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('exit', killOnExit);
      if (code === 0) resolve();
      else reject(new Error(`go install ${MODULE} failed (${signal ?? `exit code ${code}`})`));
    });
  });
  const binary = join(dir, 'temporal');
  if (!isExecutable(binary)) throw new Error(`go install finished but ${binary} is missing`);
  log(`govflow: built ${binary} in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

export function temporalCliVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr).trim();
}
