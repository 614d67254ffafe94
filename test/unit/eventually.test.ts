import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { eventually, QUICK_PHASE_MS, QUICK_POLL_MS, SLOW_POLL_MS } from "../support/eventually.ts";

describe("eventually (the tests' poll)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("looks every 50 ms for a second, then four times a second, and returns the first value", async () => {
    const probedAt: number[] = [];
    const started = Date.now();
    const readyAt = started + 3_000;
    const waiting = eventually(() => {
      probedAt.push(Date.now() - started);
      return Date.now() >= readyAt ? "ready" : undefined;
    });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await waiting).toBe("ready");
    const gaps = probedAt.slice(1).map((at, index) => at - (probedAt[index] ?? 0));
    const quick = probedAt.filter((at) => at < QUICK_PHASE_MS).length;
    expect(quick).toBe(QUICK_PHASE_MS / QUICK_POLL_MS);
    expect(gaps.slice(0, quick - 1).every((gap) => gap === QUICK_POLL_MS)).toBe(true);
    expect(gaps.slice(quick).every((gap) => gap === SLOW_POLL_MS)).toBe(true);
    // 20 looks in the first second, 8 in the next two: not 60 at 50 ms.
    expect(probedAt).toHaveLength(20 + 8 + 1);
  });

  it("gives up after its timeout with a clear error", async () => {
    const waiting = eventually(() => undefined, 2_000);
    const failed = expect(waiting).rejects.toThrow("Timed out waiting for a condition");
    await vi.advanceTimersByTimeAsync(2_500);
    await failed;
  });
});
