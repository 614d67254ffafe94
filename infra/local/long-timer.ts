/**
 * Timers that may wait longer than Node's setTimeout allows.
 *
 * Node stores timer delays in a signed 32-bit integer: a delay above 2^31-1 ms
 * (~24.8 days) is replaced by 1 ms, so a 30-day Wait state or a one-year task
 * timeout would fire at once. A long timer arms a chain of shorter timers and,
 * on each wake-up, re-measures the time left against a monotonic clock, so it
 * never fires early and drift does not accumulate.
 */

/** The largest delay setTimeout honours; anything larger fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The timer primitives a long timer uses; injectable so tests can drive a fake clock. */
export interface TimerApi {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Monotonic milliseconds (wall-clock jumps must not shorten a wait). */
  now(): number;
}

export const realTimers: TimerApi = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => performance.now(),
};

export interface LongTimer {
  /** Stops the timer; the callback will not run. Safe to call more than once. */
  cancel(): void;
  /** True until the callback has run or the timer was cancelled. */
  readonly pending: boolean;
}

/**
 * Runs `callback` once after `delayMs` (any non-negative number; Infinity never
 * fires). The callback always runs asynchronously, even for a zero delay.
 */
export function setLongTimeout(
  callback: () => void,
  delayMs: number,
  timers: TimerApi = realTimers,
): LongTimer {
  let pending = true;
  let handle: unknown;
  if (Number.isNaN(delayMs)) throw new RangeError("setLongTimeout: delay is NaN");
  const deadline = timers.now() + Math.max(0, delayMs);

  const arm = (): void => {
    if (!Number.isFinite(deadline)) return;
    const remaining = Math.max(0, deadline - timers.now());
    handle = timers.setTimeout(tick, Math.min(remaining, MAX_TIMER_DELAY_MS));
  };
  const tick = (): void => {
    if (!pending) return;
    // Below 1 ms the next timer could not be shorter anyway: firing now avoids spinning.
    if (deadline - timers.now() >= 1) {
      arm();
      return;
    }
    pending = false;
    callback();
  };
  arm();

  return {
    cancel() {
      if (!pending) return;
      pending = false;
      timers.clearTimeout(handle);
    },
    get pending() {
      return pending;
    },
  };
}

/** Resolves after `delayMs`, or as soon as `signal` aborts (it never rejects). */
export function sleepLong(
  delayMs: number,
  signal?: AbortSignal,
  timers: TimerApi = realTimers,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = setLongTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      delayMs,
      timers,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
