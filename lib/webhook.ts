// A JSON POST that is retried with backoff within one call: a webhook endpoint that drops a
// request or answers 5xx gets a few more chances before the caller (an activity, which Temporal
// retries further) hears of it. 4xx other than 408/429 is the receiver rejecting the message:
// not retried.

export interface PostResult {
  status: number;
  attempts: number;
  body: string;
}

export class WebhookError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export async function postJson(
  url: string,
  body: unknown,
  opts: { attempts: number; backoffMs?: number; timeoutMs?: number },
): Promise<PostResult> {
  const backoff = opts.backoffMs ?? 500;
  let last = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (res.ok) return { status: res.status, attempts: attempt, body: text.slice(0, 200) };
      last = `HTTP ${res.status} ${text.slice(0, 200)}`;
      if (res.status < 500 && res.status !== 408 && res.status !== 429) throw new WebhookError(`webhook rejected the alert: ${last}`, false);
    } catch (err) {
      if (err instanceof WebhookError) throw err;
      last = (err as Error).message;
    }
    if (attempt < opts.attempts) await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 1)));
  }
  throw new WebhookError(`webhook failed after ${opts.attempts} attempt(s): ${last}`, true);
}
