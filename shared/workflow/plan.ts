/**
 * The workflow plan: what the state machine needs from the county policy,
 * computed once by the precheck task and carried in the execution state, so
 * the ASL holds no county numbers (Wait SecondsPath, TimeoutSecondsPath).
 *
 * Pure: no AWS imports.
 */
import { addDuration } from "../domain/time-limits.ts";
import type { DepartmentId } from "../schemas/common.ts";
import type { CountyPolicy, Duration } from "../schemas/policy.ts";
import type { PrecheckResult } from "../schemas/precheck.ts";
import { policyLimitOf, TIMED_STEP_KINDS, type TimedStepKind } from "./steps.ts";

export interface WorkflowPlan {
  readonly blocked: boolean;
  /** Joint-review departments of the current round (all the policy brings in, then only those that asked). */
  readonly departments: readonly DepartmentId[];
  /** Joint-review round: 1, then +1 after each correction the departments asked for. */
  readonly round: number;
  /** The public notice (公示), from now; 0 is allowed by the Wait state. */
  readonly noticeSeconds: number;
  /** Each human step's task timeout (TimeoutSecondsPath `$.plan.limits.<step>`). */
  readonly limits: Readonly<Record<TimedStepKind, number>>;
  /** The reminder interval (HeartbeatSeconds of later waits and of overdue steps); working days as in `limitSeconds`. */
  readonly reminderSeconds: number;
  /**
   * Each human step's first heartbeat: the reminder interval, or just under
   * the limit when the interval is longer (HeartbeatSeconds must be shorter
   * than TimeoutSeconds; that heartbeat reminds nobody, see remind.ts).
   */
  readonly heartbeats: Readonly<Record<TimedStepKind, number>>;
}

const DAY_MS = 86_400_000;

function spanSeconds(start: Date, duration: Duration): number {
  return Math.ceil((addDuration(start, duration).getTime() - start.getTime()) / 1000);
}

/**
 * A step's timeout, in seconds. Working days depend on the weekday the step
 * opens, which is not known when the plan is made; the longest span over a
 * whole week is used so the timer never fires before the step's legal
 * deadline (open-step computes that deadline exactly, from the opening day).
 */
export function limitSeconds(duration: Duration, now: Date): number {
  if (duration.unit !== "working_days") return Math.max(1, spanSeconds(now, duration));
  let longest = 1;
  for (let day = 0; day < 7; day++) {
    longest = Math.max(longest, spanSeconds(new Date(now.getTime() + day * DAY_MS), duration));
  }
  return longest;
}

/**
 * Seconds of the public notice starting `now` (working days counted from today). None when the
 * county takes a photo of the paper notice instead: that notice ran before the household submitted.
 */
export function noticeSeconds(policy: CountyPolicy, now: Date): number {
  const { days, workingDays, paperPhotoAllowed } = policy.publicNotice;
  if (paperPhotoAllowed === true) return 0;
  return spanSeconds(now, { value: days, unit: workingDays ? "working_days" : "days" });
}

export function stepLimits(policy: CountyPolicy, now: Date): Record<TimedStepKind, number> {
  return Object.fromEntries(
    TIMED_STEP_KINDS.map((step) => [step, limitSeconds(policy.timeLimits[policyLimitOf(step)], now)]),
  ) as Record<TimedStepKind, number>;
}

/** A step's first heartbeat: the reminder interval, or just under its limit when that is shorter. */
export function firstHeartbeat(limit: number, reminderSeconds: number): number {
  return reminderSeconds < limit ? reminderSeconds : Math.max(1, limit - 1);
}

export function firstHeartbeats(
  limits: Readonly<Record<TimedStepKind, number>>,
  reminderSeconds: number,
): Record<TimedStepKind, number> {
  return Object.fromEntries(
    TIMED_STEP_KINDS.map((step) => [step, firstHeartbeat(limits[step], reminderSeconds)]),
  ) as Record<TimedStepKind, number>;
}

export function workflowPlan(
  policy: CountyPolicy,
  precheck: Pick<PrecheckResult, "blocked" | "departments">,
  now: Date,
): WorkflowPlan {
  const limits = stepLimits(policy, now);
  const reminderSeconds = limitSeconds(policy.reminderInterval, now);
  return {
    blocked: precheck.blocked,
    departments: precheck.blocked ? [] : precheck.departments,
    round: 1,
    noticeSeconds: noticeSeconds(policy, now),
    limits,
    reminderSeconds,
    heartbeats: firstHeartbeats(limits, reminderSeconds),
  };
}
