import { Worker } from 'node:worker_threads';
import type { AgainResult, ProbeResult, TextMasking, TextMaskingSetup, TextValue, TextValueWithPeople } from './text-masking';
import type { ThreadRequest } from './mask-thread';

// Pages of distinct values masked on worker threads beside the step's own thread. While the mask
// step masks values in JavaScript, its Postgres backend waits for the next COPY: measured over a
// day of a million events with 451,775 distinct URLs, the two JavaScript phases were 12.6 s of a
// 37 s step on one core, the other idle. (After this round's per-value work JavaScript is a fifth
// of that step and threads gained nothing there, so they are off unless GOVFLOW_MASK_THREADS asks.) A page is cut into equal parts, one per thread plus one
// done here meanwhile, and the results are put back in order: the same values, masked by the same
// functions (text-masking.ts), so the output is the same as on one thread.
// Threads start on the first page big enough to be worth it (a small window never starts one), and
// are ended with the step. A thread that fails (it could not start, it ran out of memory) is not
// used again, and its part is masked here: the step is slower, never wrong.

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
/** A request without its id (Omit over each member of the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

class MaskThread {
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  broken = false;
  private readonly worker: Worker | undefined;

  constructor(setup: TextMaskingSetup) {
    try {
      this.worker = new Worker(new URL('./mask-thread.mjs', import.meta.url), { workerData: setup });
    } catch {
      // The setup could not be copied to a thread (or no thread could start): masked here instead.
      this.broken = true;
      return;
    }
    this.worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
    const fail = (err: Error) => {
      this.broken = true;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`mask thread exited with code ${code}`)));
  }

  request<R>(req: Unnumbered<ThreadRequest>): Promise<R> {
    const worker = this.worker;
    if (this.broken || !worker) return Promise.reject(new Error('mask thread is not running'));
    const id = this.next++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  }

  async close(): Promise<void> {
    this.worker?.removeAllListeners('exit');
    await this.worker?.terminate();
  }
}

/**
 * Pages of distinct values from which threads are used: below, a page masks in about a tenth of a
 * second on one thread, and starting threads (each loads the masking code) would cost more.
 */
export const MASK_THREADS_FROM = 5_000;

/** Cuts `xs` into `n` parts of nearly equal length, in order. */
export function partsOf<T>(xs: readonly T[], n: number): T[][] {
  const size = Math.ceil(xs.length / n);
  return Array.from({ length: n }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

export class MaskThreads {
  private threads: MaskThread[] | undefined;

  /**
   * @param local the step's own masking, for its part of every page and for small pages
   * @param count worker threads besides the step's own (0: none)
   * @param from pages shorter than this are masked here alone
   */
  constructor(
    private readonly local: TextMasking,
    private readonly setup: TextMaskingSetup,
    private readonly count: number,
    private readonly from: number,
  ) {}

  private running(size: number): MaskThread[] {
    if (this.count <= 0 || size < this.from) return [];
    this.threads ??= Array.from({ length: this.count }, () => new MaskThread(this.setup));
    return this.threads.filter((t) => !t.broken);
  }

  /** Runs `here` on the first part and `there` on each thread for the others (here on a thread's failure); results in order. */
  private async spread<I, R>(items: readonly I[], here: (part: I[]) => R, there: (t: MaskThread, part: I[]) => Promise<R>): Promise<R[]> {
    const threads = this.running(items.length);
    if (threads.length === 0) return [here([...items])];
    const [own, ...theirs] = partsOf(items, threads.length + 1);
    const sent = theirs.map((part, i) => there(threads[i]!, part).catch(() => here(part)));
    const mine = here(own!);
    return [mine, ...(await Promise.all(sent))];
  }

  /** textMasking's probe over a page, spread over the threads. */
  async probe(values: readonly TextValue[]): Promise<ProbeResult> {
    const results = await this.spread(values, (part) => this.local.probe(part), (t, part) => t.request<ProbeResult>({ kind: 'probe', values: part }));
    return { probed: results.flatMap((r) => r.probed), identifierIds: results.flatMap((r) => r.identifierIds) };
  }

  /** textMasking's again over a page, spread over the threads; `dataKeys` by subject ref. */
  async again(values: readonly TextValueWithPeople[], dataKeys: ReadonlyMap<string, Buffer>): Promise<AgainResult> {
    const results = await this.spread(
      values,
      (part) => this.local.again(part, dataKeys),
      (t, part) => t.request<AgainResult>({ kind: 'again', values: part, dataKeys: [...dataKeys] }),
    );
    return { masked: results.flatMap((r) => r.masked), found: results.flatMap((r) => r.found), vault: results.flatMap((r) => r.vault) };
  }

  /** Threads started and not failed: what a step's heartbeats report. */
  get active(): number {
    return (this.threads ?? []).filter((t) => !t.broken).length;
  }

  /** Ends the threads (each step's own; safe to call twice). */
  async close(): Promise<void> {
    const threads = this.threads ?? [];
    this.threads = undefined;
    await Promise.all(threads.map((t) => t.close()));
  }
}
