import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { noteLocalChange, noteLocalWork, reportLocalActivity } from "#infra/local/changes.ts";
import { eventually, QUICK_PHASE_MS, QUICK_POLL_MS, QUIET_MS, SLOW_POLL_MS } from "../support/eventually.ts";

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

  it("with a local cloud in process, looks when it is quiet and again once something changed", async () => {
    const stopReporting = reportLocalActivity();
    try {
      const started = Date.now();
      const probedAt: number[] = [];
      let ready = false;
      const waiting = eventually(() => {
        probedAt.push(Date.now() - started);
        return ready ? "ready" : undefined;
      });
      // Nothing happens for a while: a look every 250 ms, not every 50.
      await vi.advanceTimersByTimeAsync(600);
      expect(probedAt).toEqual([0, SLOW_POLL_MS, 2 * SLOW_POLL_MS]);
      // A function runs for 100 ms and writes three times; the last write makes it ready.
      const ended = noteLocalWork();
      noteLocalChange();
      await vi.advanceTimersByTimeAsync(10);
      noteLocalChange();
      await vi.advanceTimersByTimeAsync(80);
      ready = true;
      noteLocalChange();
      await vi.advanceTimersByTimeAsync(10);
      ended();
      // One look, once it has been quiet for 20 ms: none while it ran.
      await vi.advanceTimersByTimeAsync(QUIET_MS);
      expect(await waiting).toBe("ready");
      expect(probedAt).toEqual([0, SLOW_POLL_MS, 2 * SLOW_POLL_MS, 600 + 90 + QUIET_MS]);
    } finally {
      stopReporting();
    }
  });

  it("with a local cloud that stays busy, still looks (every half second)", async () => {
    const stopReporting = reportLocalActivity();
    const ended = noteLocalWork();
    try {
      const started = Date.now();
      const probedAt: number[] = [];
      const waiting = eventually(() => {
        probedAt.push(Date.now() - started);
        return probedAt.length === 3 ? "seen" : undefined;
      });
      await vi.advanceTimersByTimeAsync(1_300);
      expect(await waiting).toBe("seen");
      expect(probedAt).toEqual([SLOW_POLL_MS, 3 * SLOW_POLL_MS, 5 * SLOW_POLL_MS]);
    } finally {
      ended();
      stopReporting();
    }
  });

  it("gives up after its timeout with a clear error", async () => {
    const waiting = eventually(() => undefined, 2_000);
    const failed = expect(waiting).rejects.toThrow("Timed out waiting for a condition");
    await vi.advanceTimersByTimeAsync(2_500);
    await failed;
  });
});
