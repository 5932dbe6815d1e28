// Waiting for real work to show up (a run to finish, visibility to index it): poll, never sleep a
// fixed time, so tests do not depend on how busy the machine is.

/** Polls `check` until it returns a value other than undefined (real work, so no fixed sleeps). */
// The deadline is on the monotonic clock: a CI run saw the wall clock step forward by minutes
// during a 24-second test (a paused VM set right on resume), which timed out a 180 s wait.
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000, intervalMs = 250): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
