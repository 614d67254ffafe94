import { describe, expect, it } from "vitest";
import { type OverallClock, overallClockAfter, overallClockView } from "#shared/domain/overall-clock.ts";
import { resumedDeadline, timeLeftMs } from "#shared/domain/time-limits.ts";
import type { Duration } from "#shared/schemas/policy.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-03-02T01:00:00Z"); // a Monday, 09:00 in China
const at = (ms: number) => new Date(T0.getTime() + ms);
const twentyDays = (): Duration => ({ value: 20, unit: "days" });

describe("the overall clock (acceptance to decision)", () => {
  it("starts at acceptance with the policy's limit and ignores verbs before it", () => {
    expect(overallClockAfter("forwardToTownship", undefined, T0, twentyDays)).toBeUndefined();
    expect(overallClockAfter("requestCorrection", undefined, T0, twentyDays)).toBeUndefined();
    expect(overallClockAfter("accept", undefined, T0, twentyDays)).toEqual({
      limit: "acceptance_to_decision",
      startedAt: T0.toISOString(),
      deadline: at(20 * DAY).toISOString(),
      pausedMs: 0,
    });
  });

  it("pauses while the household corrects and resumes with the time left", () => {
    const started = overallClockAfter("accept", undefined, T0, twentyDays);
    const paused = overallClockAfter("requestCorrection", started, at(5 * DAY), twentyDays);
    expect(paused?.pausedAt).toBe(at(5 * DAY).toISOString());
    // A lapse and an extension keep it paused.
    const lapsed = overallClockAfter("lapseCorrection", paused, at(35 * DAY), twentyDays);
    const extended = overallClockAfter("extendCorrection", lapsed, at(36 * DAY), twentyDays);
    expect(extended).toEqual(paused);
    const paused3Days = overallClockAfter("resubmitCorrection", extended, at(38 * DAY), twentyDays);
    expect(paused3Days).toEqual({
      limit: "acceptance_to_decision",
      startedAt: T0.toISOString(),
      // 15 days were left when it paused; 33 days paused.
      deadline: at(53 * DAY).toISOString(),
      pausedMs: 33 * DAY,
    });
    expect(overallClockView(paused3Days as OverallClock, at(40 * DAY))).toMatchObject({
      state: "running",
      remainingMs: 13 * DAY,
      overdue: false,
    });
  });

  it("stops at the decision and says whether it was late", () => {
    const started = overallClockAfter("accept", undefined, T0, twentyDays);
    const stopped = overallClockAfter("approve", started, at(21 * DAY), twentyDays) as OverallClock;
    expect(stopped.stoppedAt).toBe(at(21 * DAY).toISOString());
    expect(overallClockAfter("reject", stopped, at(30 * DAY), twentyDays)).toBe(stopped);
    expect(overallClockView(stopped, at(100 * DAY))).toMatchObject({
      state: "stopped",
      remainingMs: -DAY,
      overdue: true,
    });
  });

  it("shows a paused clock's deadline as if the correction were answered now", () => {
    const started = overallClockAfter("accept", undefined, T0, twentyDays);
    const paused = overallClockAfter("requestCorrection", started, at(5 * DAY), twentyDays) as OverallClock;
    expect(overallClockView(paused, at(7 * DAY))).toMatchObject({
      state: "paused",
      deadline: at(22 * DAY).toISOString(),
      pausedMs: 2 * DAY,
      remainingMs: 15 * DAY,
      overdue: false,
    });
  });
});

describe("a step's clock paused by a correction", () => {
  it("keeps what was left when the step asked, and moves the deadline by the pause", () => {
    const deadline = at(10 * DAY);
    const left = timeLeftMs(deadline, at(4 * DAY));
    expect(left).toBe(6 * DAY);
    // The household answered 9 days later: the reopened step has 6 days, not a fresh 10.
    expect(resumedDeadline(at(13 * DAY), left).toISOString()).toBe(at(19 * DAY).toISOString());
  });

  it("has nothing left when the step asked after its deadline", () => {
    expect(timeLeftMs(at(DAY), at(2 * DAY))).toBe(0);
  });
});
