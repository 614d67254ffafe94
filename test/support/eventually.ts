/**
 * Polls until `probe` returns a value (or the time runs out): for what happens
 * asynchronously (workflow steps, emulator callbacks). No fixed sleeps in tests.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  pollMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
