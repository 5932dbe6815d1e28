import { ensureTemporalCli } from '../../cli/temporal-binary';
import { ensureChromium } from './chromium';

// The machine-wide parts `npm test` needs, prepared before vitest starts (called by
// ensure-deps.mjs), each with as much time as it takes: a first Temporal CLI build takes minutes,
// and so does installing Chromium, far longer than any test or hook timeout. Both run at once
// (one is CPU, the other mostly network). The tests and the global setup then only find them.

/** Builds the Temporal CLI and installs Chromium if missing; throws with the first cause. */
export async function prepareMachine(log: (line: string) => void = (l) => console.error(`npm test: ${l}`)): Promise<void> {
  const started = Date.now();
  const [cli, browser] = await Promise.allSettled([ensureTemporalCli(log), ensureChromium(log)]);
  const failed = [cli, browser].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message.replace(/\s*\n\s*/g, ' ')).join('; '));
  const seconds = Math.round((Date.now() - started) / 1000);
  if (seconds > 1) log(`Temporal CLI and Chromium ready after ${seconds} s`);
}
