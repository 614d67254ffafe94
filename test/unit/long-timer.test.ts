import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TIMER_DELAY_MS, setLongTimeout, sleepLong } from "#infra/local/long-timer.ts";
import { FakeTimers } from "../support/fake-timers.ts";

const DAY_MS = 24 * 3600 * 1000;

describe("setLongTimeout", () => {
  it("does not fire a 30-day timer early, and fires it at 30 days, never asking setTimeout for more than 2^31-1 ms", () => {
    const timers = new FakeTimers();
    let fired = 0;
    setLongTimeout(() => fired++, 30 * DAY_MS, timers);
    timers.advance(25 * DAY_MS);
    expect(fired).toBe(0);
    timers.advance(5 * DAY_MS - 10);
    expect(fired).toBe(0);
    timers.advance(10);
    expect(fired).toBe(1);
    expect(Math.max(...timers.requestedDelays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(timers.requestedDelays.length).toBeGreaterThan(1);
  });

  it("fires every delay up to 400 days exactly once, not before it is due", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 400 * DAY_MS, noNaN: true }), (delay) => {
        const timers = new FakeTimers();
        let firedAt: number | undefined;
        let count = 0;
        setLongTimeout(
          () => {
            count++;
            firedAt = timers.now();
          },
          delay,
          timers,
        );
        timers.advance(delay + 2);
        expect(count).toBe(1);
        expect(firedAt).toBeGreaterThanOrEqual(delay - 1);
        expect(firedAt).toBeLessThanOrEqual(delay + 2);
        expect(timers.armed).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it("can be cancelled between chained timers", () => {
    const timers = new FakeTimers();
    let fired = false;
    const timer = setLongTimeout(() => (fired = true), 60 * DAY_MS, timers);
    timers.advance(30 * DAY_MS);
    expect(timer.pending).toBe(true);
    timer.cancel();
    timers.advance(60 * DAY_MS);
    expect(fired).toBe(false);
    expect(timer.pending).toBe(false);
    expect(timers.armed).toBe(0);
  });

  it("never arms a timer for an infinite delay, and runs a zero delay asynchronously", () => {
    const timers = new FakeTimers();
    let infinite = false;
    setLongTimeout(() => (infinite = true), Number.POSITIVE_INFINITY, timers);
    expect(timers.armed).toBe(0);
    let zero = false;
    setLongTimeout(() => (zero = true), 0, timers);
    expect(zero).toBe(false);
    timers.advance(1);
    expect(zero).toBe(true);
    expect(infinite).toBe(false);
  });

  it("with real timers, waits past Node's 2^31-1 ms limit instead of firing at once", async () => {
    // The premise: a plain setTimeout beyond the limit fires almost immediately.
    const plainFired = await new Promise<boolean>((resolve) => {
      const original = process.emitWarning;
      process.emitWarning = () => undefined; // silence TimeoutOverflowWarning for this probe
      const plain = setTimeout(() => resolve(true), MAX_TIMER_DELAY_MS + 1000);
      process.emitWarning = original;
      setTimeout(() => {
        clearTimeout(plain);
        resolve(false);
      }, 200);
    });
    expect(plainFired).toBe(true);

    let longFired = false;
    const timer = setLongTimeout(() => (longFired = true), MAX_TIMER_DELAY_MS + 1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(longFired).toBe(false);
    timer.cancel();
  });
});

describe("sleepLong", () => {
  it("resolves when aborted, long before its delay", async () => {
    const controller = new AbortController();
    const slept = sleepLong(40 * DAY_MS, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });

  it("resolves after its delay with real timers", async () => {
    const started = performance.now();
    await sleepLong(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });
});
