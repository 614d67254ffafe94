/**
 * Deadlines from policy durations.
 *
 * Working days skip Saturdays and Sundays in China Standard Time (UTC+8, no DST).
 * Public holidays and the make-up working weekends (调休) are not modelled: they
 * change every year by State Council notice and would need a calendar table.
 */
import type { Duration } from "../schemas/policy.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CHINA_OFFSET_MS = 8 * HOUR_MS;

function chinaWeekday(ms: number): number {
  return new Date(ms + CHINA_OFFSET_MS).getUTCDay();
}

/** The instant `duration` after `start`. */
export function addDuration(start: Date, duration: Duration): Date {
  const startMs = start.getTime();
  switch (duration.unit) {
    case "hours":
      return new Date(startMs + duration.value * HOUR_MS);
    case "days":
      return new Date(startMs + duration.value * DAY_MS);
    case "working_days": {
      // Count whole working days forward; fractional values round up so a limit is never shortened.
      let remaining = Math.ceil(duration.value);
      let cursor = startMs;
      while (remaining > 0) {
        cursor += DAY_MS;
        const weekday = chinaWeekday(cursor);
        if (weekday !== 0 && weekday !== 6) remaining -= 1;
      }
      return new Date(cursor);
    }
  }
}

/** Moves a deadline later by the time a case spent paused (a correction request stops the clock). */
export function extendDeadline(deadline: Date, pausedMs: number): Date {
  if (pausedMs < 0) throw new RangeError("pausedMs must not be negative");
  return new Date(deadline.getTime() + pausedMs);
}

/**
 * A step's clock paused by a correction request (补正): what was left of its
 * limit when it asked. The step reopened after the household's answer gets
 * exactly this much time (its deadline moves by the correction's duration);
 * nothing when it asked after its deadline (it reopens overdue).
 */
export function timeLeftMs(deadline: Date, pausedAt: Date): number {
  return Math.max(0, deadline.getTime() - pausedAt.getTime());
}

/** The deadline of a step reopened at `reopenedAt` with `leftMs` of its limit left. */
export function resumedDeadline(reopenedAt: Date, leftMs: number): Date {
  return new Date(reopenedAt.getTime() + leftMs);
}
