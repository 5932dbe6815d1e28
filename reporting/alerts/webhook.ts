// One JSON POST per call. Retrying is Temporal's job, not ours: the activity that calls this fails
// on a dropped request or a 5xx, and its retry policy (backoff, limits, visible in the UI) tries
// again. A 4xx other than 408/429 is the receiver rejecting the message: not retryable.

/** What the receiver answered: HTTP status and the first 200 characters of the body. */
export interface PostResult {
  status: number;
  body: string;
}

/** A failed POST. `retryable` false: the receiver rejected the message (4xx other than 408/429). */
export class WebhookError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

/**
 * POSTs `body` as JSON to `url`, once.
 * @param opts.timeoutMs how long to wait for the answer (default 10,000 ms)
 * @throws WebhookError on a network error, a timeout or a non-2xx answer
 */
export async function postJson(url: string, body: unknown, opts: { timeoutMs?: number } = {}): Promise<PostResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new WebhookError(`webhook unreachable: ${(err as Error).message}`, true);
  }
  const text = await res.text();
  if (res.ok) return { status: res.status, body: text.slice(0, 200) };
  const answer = `HTTP ${res.status} ${text.slice(0, 200)}`;
  const rejected = res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new WebhookError(rejected ? `webhook rejected the alert: ${answer}` : `webhook failed: ${answer}`, !rejected);
}
