import { describe, expect, it } from "vitest";
import { addDuration, extendDeadline } from "#shared/domain/time-limits.ts";

// 2026-03-06 is a Friday; 09:00 in China is 01:00 UTC.
const FRIDAY_9AM_CST = new Date("2026-03-06T01:00:00Z");

describe("time limits", () => {
  it("adds hours and calendar days", () => {
    expect(addDuration(FRIDAY_9AM_CST, { value: 48, unit: "hours" }).toISOString()).toBe(
      "2026-03-08T01:00:00.000Z",
    );
    expect(addDuration(FRIDAY_9AM_CST, { value: 7, unit: "days" }).toISOString()).toBe(
      "2026-03-13T01:00:00.000Z",
    );
  });

  it("skips Saturday and Sunday for working days", () => {
    expect(addDuration(FRIDAY_9AM_CST, { value: 1, unit: "working_days" }).toISOString()).toBe(
      "2026-03-09T01:00:00.000Z",
    );
    expect(addDuration(FRIDAY_9AM_CST, { value: 5, unit: "working_days" }).toISOString()).toBe(
      "2026-03-13T01:00:00.000Z",
    );
  });

  it("counts weekdays in China time, not UTC", () => {
    // 23:30 UTC on Friday is already Saturday 07:30 in China: one working day lands on
    // Monday 07:30 China time, which is still Sunday in UTC. Counting in UTC would give a day later.
    const saturdayInChina = new Date("2026-03-06T23:30:00Z");
    expect(addDuration(saturdayInChina, { value: 1, unit: "working_days" }).toISOString()).toBe(
      "2026-03-08T23:30:00.000Z",
    );
  });

  it("extends a deadline by paused time and refuses negative pauses", () => {
    expect(extendDeadline(FRIDAY_9AM_CST, 3_600_000).toISOString()).toBe("2026-03-06T02:00:00.000Z");
    expect(() => extendDeadline(FRIDAY_9AM_CST, -1)).toThrow(RangeError);
  });
});
