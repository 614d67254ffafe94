/**
 * Polls until `probe` returns a value (or the time runs out): for what happens
 * asynchronously (workflow steps, emulator callbacks). No fixed sleeps in tests.
 *
 * Every 50 ms for the first second, then every 250 ms. Most waits end within a
 * few probes; the few that last are a workflow timer or a retry running its
 * course, and a probe is an API call or two (≈ 10 ms of CPU each): the
 * integration files probed ≈ 2,800 times a run, half of them in 28 waits over a
 * second (docs/testing.md#suite-time). Nothing waited for is so short-lived
 * that a quarter of a second between looks would miss it: the conditions are
 * states a case, a step or a run stays in until someone acts.
 */
export const QUICK_POLL_MS = 50;
export const SLOW_POLL_MS = 250;
/** How long the quick polls last. */
export const QUICK_PHASE_MS = 1_000;

export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  pollMs = QUICK_POLL_MS,
): Promise<T> {
  const started = Date.now();
  const until = started + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const now = Date.now();
    if (now > until) throw new Error("Timed out waiting for a condition");
    const delay = now - started < QUICK_PHASE_MS ? pollMs : Math.max(pollMs, SLOW_POLL_MS);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
