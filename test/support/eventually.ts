/**
 * Polls until `probe` returns a value (or the time runs out): for what happens
 * asynchronously (workflow steps, emulator callbacks). No fixed sleeps in tests.
 *
 * With a local cloud in this process (infra/local/changes.ts), it looks when
 * the cloud is quiet (no function running, no write or workflow step for
 * 20 ms) and, after a miss, again once something changed (at most every 50 ms;
 * after 250 ms without a change all the same, so what no stand-in reports, such
 * as a counter of the test's own, is still seen; every half second while a
 * function runs on). A probe is an API call or two (≈ 10 ms of CPU
 * each), and on a fixed beat most of them found nothing new: ≈ 1,500 of an
 * integration run's ≈ 2,200 (docs/testing.md#suite-time).
 *
 * Without one (a cloud in a child process): every 50 ms for the first second,
 * then every 250 ms. Nothing waited for is so short-lived that a quarter of a
 * second between looks would miss it: the conditions are states a case, a step
 * or a run stays in until someone acts.
 */
import {
  changedSince,
  localActivityReported,
  localChangeCount,
  localCloudQuiet,
} from "#infra/local/changes.ts";

export const QUICK_POLL_MS = 50;
export const SLOW_POLL_MS = 250;
/** How long the quick polls last. */
export const QUICK_PHASE_MS = 1_000;
/** With a local cloud in process: how long it must be quiet before a look. */
export const QUIET_MS = 20;

export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  pollMs = QUICK_POLL_MS,
): Promise<T> {
  const started = Date.now();
  const until = started + timeoutMs;
  const slow = Math.max(pollMs, SLOW_POLL_MS);
  for (;;) {
    const reported = localActivityReported();
    if (reported) await localCloudQuiet({ quietMs: QUIET_MS, maxMs: slow });
    const seen = localChangeCount();
    const value = await probe();
    if (value !== undefined) return value;
    const now = Date.now();
    if (now > until) throw new Error("Timed out waiting for a condition");
    if (reported) await changedSince(seen, { minMs: pollMs, maxMs: slow });
    else await new Promise((resolve) => setTimeout(resolve, now - started < QUICK_PHASE_MS ? pollMs : slow));
  }
}
