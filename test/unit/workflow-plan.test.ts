import { describe, expect, it } from "vitest";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { STEP_KINDS } from "#shared/schemas/case.ts";
import type { PrecheckResult } from "#shared/schemas/precheck.ts";
import { firstHeartbeats, limitSeconds, noticeSeconds, workflowPlan } from "#shared/workflow/plan.ts";
import { isReminder, nextSegment } from "#shared/workflow/remind.ts";

const DAY = 86_400;
// 2025-03-05 is a Wednesday, 2025-03-07 a Friday (China Standard Time, 10:00).
const WEDNESDAY = new Date("2025-03-05T02:00:00Z");
const FRIDAY = new Date("2025-03-07T02:00:00Z");

const passed: PrecheckResult = {
  findings: [],
  blocked: false,
  flags: {
    touchesForestLand: false,
    nearWater: false,
    nearRoad: false,
    nearPowerLine: false,
    farmlandConversionRequired: false,
    outsideVillageConstructionBoundary: false,
  },
  departments: ["agriculture", "natural_resources", "housing_construction"],
};

describe("workflow plan", () => {
  it("counts the public notice in working days from today", () => {
    // Sichuan: 5 working days. From a Wednesday that is the next Wednesday.
    expect(noticeSeconds(SICHUAN_DEFAULT_POLICY, WEDNESDAY)).toBe(7 * DAY);
    const calendar = { ...SICHUAN_DEFAULT_POLICY, publicNotice: { days: 7, workingDays: false } };
    expect(noticeSeconds(calendar, FRIDAY)).toBe(7 * DAY);
  });

  it("runs no notice after submission where a photo of the paper notice replaces publication", () => {
    const paper = {
      ...SICHUAN_DEFAULT_POLICY,
      publicNotice: { days: 7, workingDays: false, paperPhotoAllowed: true },
    };
    expect(noticeSeconds(paper, FRIDAY)).toBe(0);
  });

  it("gives working-day limits the longest span of the week, so the timer never fires before the deadline", () => {
    // 1 working day is 1 day from Monday–Thursday but 3 from a Friday.
    expect(limitSeconds({ value: 1, unit: "working_days" }, WEDNESDAY)).toBe(3 * DAY);
    expect(limitSeconds({ value: 10, unit: "days" }, FRIDAY)).toBe(10 * DAY);
    expect(limitSeconds({ value: 48, unit: "hours" }, FRIDAY)).toBe(2 * DAY);
  });

  it("has a limit for every human step, taken from the step table's policy time limit", () => {
    const plan = workflowPlan(SICHUAN_DEFAULT_POLICY, passed, WEDNESDAY);
    expect(Object.keys(plan.limits).sort()).toEqual([...STEP_KINDS].sort());
    expect(plan.limits.joint_review).toBe(10 * DAY); // department_review: 10 days
    expect(plan.limits.correction).toBe(30 * DAY); // correction_response: 30 days
    expect(plan).toMatchObject({ blocked: false, round: 1, departments: passed.departments });
  });

  it("reminds at the county's interval: a day in Sichuan, two in the contrasting county", () => {
    expect(workflowPlan(SICHUAN_DEFAULT_POLICY, passed, WEDNESDAY).reminderSeconds).toBe(DAY);
    expect(workflowPlan(GUANGXI_CONTRAST_POLICY, passed, WEDNESDAY).reminderSeconds).toBe(2 * DAY);
  });

  it("waits what is left of the limit after each reminder, so the deadline never moves", () => {
    let wait = nextSegment({ timeoutSeconds: 10 * DAY, heartbeatSeconds: DAY }, DAY);
    const segments: number[] = [];
    while (wait && wait.timeoutSeconds > wait.heartbeatSeconds) {
      segments.push(wait.timeoutSeconds);
      wait = nextSegment(wait, DAY);
    }
    // Nine reminders' worth of waiting, then the last day without a heartbeat: 10 days in all.
    expect(segments).toEqual([9, 8, 7, 6, 5, 4, 3, 2].map((days) => days * DAY));
    expect(wait).toEqual({ timeoutSeconds: DAY, heartbeatSeconds: DAY });
    expect(nextSegment(undefined, DAY)).toBeUndefined();
  });

  it("gives a step shorter than the reminder interval a first heartbeat just under its limit, which reminds nobody", () => {
    const heartbeats = firstHeartbeats(
      { ...workflowPlan(SICHUAN_DEFAULT_POLICY, passed, WEDNESDAY).limits, township_acceptance: 3600 },
      DAY,
    );
    expect(heartbeats.township_acceptance).toBe(3599);
    expect(heartbeats.joint_review).toBe(DAY);
    expect(isReminder({ reminderSeconds: DAY, wait: { timeoutSeconds: 3600, heartbeatSeconds: 3599 } })).toBe(
      false,
    );
    expect(
      isReminder({ reminderSeconds: DAY, wait: { timeoutSeconds: 2 * DAY, heartbeatSeconds: DAY } }),
    ).toBe(true);
    // What is left after it is the last second, waited without a heartbeat.
    expect(nextSegment({ timeoutSeconds: 3600, heartbeatSeconds: 3599 }, DAY)).toEqual({
      timeoutSeconds: 1,
      heartbeatSeconds: DAY,
    });
  });

  it("consults no department when the pre-check blocked the case", () => {
    const plan = workflowPlan(SICHUAN_DEFAULT_POLICY, { ...passed, blocked: true }, WEDNESDAY);
    expect(plan).toMatchObject({ blocked: true, departments: [] });
  });
});
