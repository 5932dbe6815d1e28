// Waiting for real work to show up (a run to finish, visibility to index it): poll, never sleep a
// fixed time, so tests do not depend on how busy the machine is.

/** Polls `check` until it returns a value other than undefined (real work, so no fixed sleeps). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
