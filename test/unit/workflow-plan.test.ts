import { describe, expect, it } from "vitest";
import { OVERALL_CLOCK_LIMIT } from "#shared/domain/overall-clock.ts";
import { GUANGXI_CONTRAST_POLICY, SICHUAN_DEFAULT_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { STEP_KINDS, type StepRecord } from "#shared/schemas/case.ts";
import type { DepartmentId } from "#shared/schemas/common.ts";
import { TIME_LIMITED_STEPS } from "#shared/schemas/policy.ts";
import type { PrecheckResult } from "#shared/schemas/precheck.ts";
import { jointReviewResume, resumedWait, timeLeftAfterCorrection } from "#shared/workflow/paused-clock.ts";
import { firstHeartbeats, limitSeconds, noticeSeconds, workflowPlan } from "#shared/workflow/plan.ts";
import { isReminder, nextSegment } from "#shared/workflow/remind.ts";
import { policyLimitOf, STEP_RULES, TIMED_STEP_KINDS } from "#shared/workflow/steps.ts";

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
    expect(Object.keys(plan.limits).sort()).toEqual(
      STEP_KINDS.filter((step) => step !== "completion_report").sort(),
    );
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

describe("the policy's time limits", () => {
  it("are each used by the workflow: a step's clock or the case's overall clock, and none is left over", () => {
    const used = new Set<string>([
      ...TIMED_STEP_KINDS.map((step) => policyLimitOf(step)),
      OVERALL_CLOCK_LIMIT,
    ]);
    expect([...used].sort()).toEqual([...TIME_LIMITED_STEPS].sort());
    // The plan carries a limit for every timed step, read from its policy limit.
    const plan = workflowPlan(GUANGXI_CONTRAST_POLICY, passed, WEDNESDAY);
    for (const step of TIMED_STEP_KINDS) {
      expect(plan.limits[step]).toBe(
        limitSeconds(GUANGXI_CONTRAST_POLICY.timeLimits[policyLimitOf(step)], WEDNESDAY),
      );
    }
    // The household's completion report runs on the approval's validity, not on a policy limit.
    expect(STEP_RULES.completion_report.timeLimit).toBe("approval_validity");
  });
});

describe("a step reopened after a correction", () => {
  const HOUR_MS = 3_600_000;
  const opened = new Date("2026-03-02T01:00:00Z");
  const iso = (hours: number) => new Date(opened.getTime() + hours * HOUR_MS).toISOString();
  const asked = (step: StepRecord["step"], deadlineH: number, askedH: number, department?: DepartmentId) =>
    ({
      caseId: "c",
      stepId: `${step}#${department ?? ""}#1`,
      step,
      ...(department ? { department } : {}),
      round: 1,
      status: "responded",
      townshipCode: "511424100",
      openedAt: opened.toISOString(),
      deadline: iso(deadlineH),
      overdue: false,
      decision: {
        outcome: "correction_requested",
        decidedBy: { id: "r", role: "township_clerk" },
        decidedAt: iso(askedH),
      },
    }) satisfies StepRecord;

  it("has the time its last round had left when it asked, not a fresh limit", () => {
    const first = asked("village_review", 120, 48);
    const steps = [first];
    expect(timeLeftAfterCorrection(steps, "village_review")).toBe(72 * HOUR_MS);
    expect(resumedWait(72 * HOUR_MS, DAY)).toEqual({ timeoutSeconds: 72 * 3600, heartbeatSeconds: DAY });
    // Nothing was asked of another kind; a round decided otherwise gets its full limit.
    expect(timeLeftAfterCorrection(steps, "township_acceptance")).toBeUndefined();
    const approved = { ...first, decision: { ...first.decision, outcome: "approved" as const } };
    expect(timeLeftAfterCorrection([approved], "village_review")).toBeUndefined();
  });

  it("reopens with a second at least when it asked after its deadline (it falls due at once)", () => {
    const late = [asked("township_approval", 10, 30)];
    expect(timeLeftAfterCorrection(late, "township_approval")).toBe(0);
    expect(resumedWait(0, DAY).timeoutSeconds).toBe(1);
  });

  it("times the next joint-review round by the asker with most time left", () => {
    const steps = [
      asked("joint_review", 240, 200, "agriculture"),
      asked("joint_review", 240, 100, "natural_resources"),
    ];
    expect(jointReviewResume(steps, ["agriculture", "natural_resources"], DAY)).toEqual({
      limits: { joint_review: 140 * 3600 },
      heartbeats: { joint_review: DAY },
    });
    // Less than a reminder interval left: the first heartbeat stays under the limit.
    expect(jointReviewResume(steps, ["agriculture"], DAY * 10)).toEqual({
      limits: { joint_review: 40 * 3600 },
      heartbeats: { joint_review: 40 * 3600 - 1 },
    });
  });
});
