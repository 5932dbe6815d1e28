import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Browser tests use Debian's Chromium, driven by playwright-core. Playwright's own browser
// download cannot work on these machines, so we never call it. `npm test` installs the
// distribution package in its set-up (test/support/set-up.ts), before vitest starts and outside
// any test timeout; the tests themselves only look for it.

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The browser the tests drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || DEBIAN_CHROMIUM;
}

/** The Chromium executable; throws, saying how to get it, when it is missing. Never installs. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const path = chromiumPath(env);
  if (existsSync(path)) return path;
  throw new Error(
    `${path} is missing: run "npm test" (its set-up installs Debian's chromium as root), or "apt-get install chromium", or set CHROMIUM_PATH`,
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/**
 * Makes sure Chromium is there, installing Debian's `chromium` package with apt-get when
 * /usr/bin/chromium is missing (root only: CI runs as root; anyone else gets a one-line
 * instruction). An explicit CHROMIUM_PATH is only checked, never installed. Returns the path.
 */
export async function ensureChromium(log: (line: string) => void = console.log): Promise<string> {
  const path = chromiumPath();
  if (existsSync(path)) return path;
  if (path !== DEBIAN_CHROMIUM) throw new Error(`CHROMIUM_PATH=${path} does not exist`);
  if (process.getuid?.() !== 0) {
    throw new Error(`${path} is missing: install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM_PATH`);
  }
  log(`${path} is missing: installing Debian's chromium package with apt-get (once per machine)…`);
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update', '-qq'], env);
  const install = update === 0 ? await run('apt-get', ['install', '-y', '-qq', 'chromium'], env) : null;
  if (update !== 0 || install !== 0 || !existsSync(path)) {
    throw new Error(`could not install chromium with apt-get (apt-get update exit ${update}, install exit ${install})`);
  }
  log(`installed ${path} in ${Math.round((Date.now() - started) / 1000)} s`);
  return path;
}

/** Headless Chromium with the flags this sandbox needs (no sandboxing, no background networking). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
