/**
 * A clock for tests that only moves when the test says so: a TimerApi
 * (infra/local/long-timer.ts) for code that takes its timers injected, such as
 * the long timers and the local Step Functions (`timers` option).
 */
import { MAX_TIMER_DELAY_MS, type TimerApi } from "#infra/local/long-timer.ts";

/** A fake clock that refuses the delays Node would silently turn into 1 ms. */
export class FakeTimers implements TimerApi {
  time = 0;
  private nextId = 1;
  private readonly queue = new Map<number, { at: number; callback: () => void }>();
  readonly requestedDelays: number[] = [];

  setTimeout(callback: () => void, delayMs: number): unknown {
    if (delayMs > MAX_TIMER_DELAY_MS) throw new RangeError(`setTimeout(${delayMs}) would overflow`);
    this.requestedDelays.push(delayMs);
    const id = this.nextId++;
    this.queue.set(id, { at: this.time + Math.max(1, delayMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.queue.delete(handle);
  }

  now(): number {
    return this.time;
  }

  /** Moves the clock forward, running due timers in order (including ones they arm). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.queue.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.queue.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }

  get armed(): number {
    return this.queue.size;
  }

  /** How many timers were ever asked for with exactly this delay. */
  requested(delayMs: number): number {
    return this.requestedDelays.filter((delay) => delay === delayMs).length;
  }
}
