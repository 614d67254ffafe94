/**
 * A step's clock paused by a correction request (补正, PROCEDURE.md: "the clock
 * pauses while the household corrects"). The step that asked is reopened after
 * the household's answer with the time it had left when it asked: its deadline
 * moves by the correction's duration, and the workflow waits exactly that long
 * (the ResumeStep task hands the wait to the step's Check; joint review carries
 * it into the next round's plan).
 *
 * The time left is arithmetic on stored instants of the round that asked (its
 * deadline and its decision), never a clock reading at reopening, so a retried
 * task gives the same answer and a scaled local clock keeps the proportions.
 *
 * Pure: no AWS imports.
 */
import { timeLeftMs } from "../domain/time-limits.ts";
import type { StepKind, StepRecord } from "../schemas/case.ts";
import type { DepartmentId } from "../schemas/common.ts";
import type { WaitSegment } from "./contracts.ts";
import { firstHeartbeat } from "./plan.ts";

/**
 * What was left of the clock of the last round of `step` (and department) when
 * it asked for a correction; undefined when that round did not ask (a first
 * opening, or a step that asks nothing of the household).
 */
export function timeLeftAfterCorrection(
  steps: readonly StepRecord[],
  step: StepKind,
  department?: DepartmentId,
): number | undefined {
  const last = steps
    .filter((candidate) => candidate.step === step && candidate.department === department)
    .sort((a, b) => a.round - b.round)
    .at(-1);
  const decision = last?.decision;
  if (last?.status !== "responded" || decision?.outcome !== "correction_requested" || !last.deadline) {
    return undefined;
  }
  return timeLeftMs(new Date(last.deadline), new Date(decision.decidedAt));
}

/** Whole seconds for TimeoutSeconds: at least 1, never shorter than the time left. */
export const timeoutSecondsOf = (leftMs: number): number => Math.max(1, Math.ceil(leftMs / 1000));

/**
 * The wait of a step reopened after a correction: the time left, reminded every
 * interval (the step's Check sends a wait shorter than an interval to its last
 * wait, without a heartbeat).
 */
export function resumedWait(leftMs: number, reminderSeconds: number): WaitSegment {
  return { timeoutSeconds: timeoutSecondsOf(leftMs), heartbeatSeconds: reminderSeconds };
}

/**
 * The next joint-review round's limit after a correction: each asking department
 * gets its own time left as its deadline (open-step), and the round's timer the
 * longest of them, so it never fires before any asker's deadline.
 */
export function jointReviewResume(
  steps: readonly StepRecord[],
  askers: readonly DepartmentId[],
  reminderSeconds: number,
): { limits: { joint_review: number }; heartbeats: { joint_review: number } } {
  const longest = Math.max(
    0,
    ...askers.map((department) => timeLeftAfterCorrection(steps, "joint_review", department) ?? 0),
  );
  const limit = timeoutSecondsOf(longest);
  return {
    limits: { joint_review: limit },
    heartbeats: { joint_review: firstHeartbeat(limit, reminderSeconds) },
  };
}
