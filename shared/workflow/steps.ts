/**
 * THE table of human steps: who works each step's queue, which policy time
 * limit applies, and which status-machine verb each event applies. The
 * workflow tasks (opening steps) and the reviewer API (deciding them) both
 * read this table, so a step's behaviour is defined once.
 *
 * Status changes by whom:
 * - villager API: create (draft), submit (→ submitted), resubmitCorrection, withdraw
 * - precheck task: completePrecheck + startPublicNotice, or returnToApplicant
 * - open-step task: the `onOpen` verb below (if the case is in its `from` status)
 * - decide API: the `onDecision` verb for the outcome (joint review: none; the aggregate task decides)
 * - aggregate task: completeJointReview (→ awaiting_decision), then reject; or requestCorrection
 * - record-outcome task: failure events
 */

import type { Role } from "../auth/actor.ts";
import type { CaseStatus, CaseVerb } from "../domain/case-status.ts";
import { type DecisionOutcome, STEP_KINDS, type StepKind } from "../schemas/case.ts";
import type { TimeLimitedStep } from "../schemas/policy.ts";

export interface StepRule {
  /** The role whose queue shows the step; joint review uses the department's queue instead. */
  readonly queueRole: Role | "department" | "villager";
  /**
   * The policy time limit that sets the step's deadline and the task's TimeoutSeconds;
   * `approval_validity`: the construction period, which ends with the approval's validity.
   */
  readonly timeLimit: TimeLimitedStep | "approval_validity";
  /** Opening the step closes the awaiting step of this kind (its clock ran out; nobody answers it any more). */
  readonly closes?: StepKind;
  /** Applied when the step opens, if the case is in `from` (idempotent for parallel openers). */
  readonly onOpen?: { readonly from: CaseStatus; readonly verb: CaseVerb };
  /** Applied when a reviewer decides; absent outcomes are not allowed for the step. */
  readonly onDecision: Partial<Record<DecisionOutcome, CaseVerb | "none">>;
}

export const STEP_RULES: Readonly<Record<StepKind, StepRule>> = {
  village_review: {
    queueRole: "village_officer",
    timeLimit: "village_review",
    onOpen: { from: "in_public_notice", verb: "startVillageReview" },
    onDecision: {
      approved: "forwardToTownship",
      rejected: "reject",
      correction_requested: "requestCorrection",
    },
  },
  township_acceptance: {
    queueRole: "township_clerk",
    timeLimit: "township_acceptance",
    onDecision: {
      approved: "accept",
      rejected: "returnToApplicant",
      correction_requested: "requestCorrection",
    },
  },
  joint_review: {
    queueRole: "department",
    timeLimit: "department_review",
    onOpen: { from: "accepted", verb: "startJointReview" },
    // Each department only answers its consultation; the aggregate task moves the case.
    onDecision: { approved: "none", rejected: "none", correction_requested: "none" },
  },
  correction: {
    queueRole: "villager",
    timeLimit: "correction_response",
    onDecision: { approved: "resubmitCorrection" },
  },
  township_approval: {
    queueRole: "township_head",
    timeLimit: "township_decision",
    onDecision: { approved: "approve", rejected: "reject", correction_requested: "requestCorrection" },
  },
  site_visit_staking: {
    queueRole: "site_inspector",
    timeLimit: "staking_out",
    onDecision: { approved: "recordStakingOut" },
  },
  completion_report: {
    queueRole: "villager",
    timeLimit: "approval_validity",
    onDecision: { approved: "reportCompletion" },
  },
  // Opens when the household reports the house built: the inspector's clock starts then.
  site_visit_completion: {
    queueRole: "site_inspector",
    timeLimit: "completion_inspection",
    onDecision: { approved: "complete" },
  },
  // approved: the household gets another correction_response period; rejected: the case expires.
  correction_lapse: {
    queueRole: "township_head",
    timeLimit: "township_decision",
    onOpen: { from: "correction_requested", verb: "lapseCorrection" },
    closes: "correction",
    onDecision: { approved: "extendCorrection", rejected: "expire" },
  },
};

/** The steps whose clock is a policy time limit (the plan's `limits`); the others end with the approval's validity. */
export type TimedStepKind = Exclude<StepKind, "completion_report">;
export const TIMED_STEP_KINDS = STEP_KINDS.filter(
  (step): step is TimedStepKind => STEP_RULES[step].timeLimit !== "approval_validity",
);

/** The policy limit of a timed step. */
export function policyLimitOf(step: TimedStepKind): TimeLimitedStep {
  const limit = STEP_RULES[step].timeLimit;
  if (limit === "approval_validity") throw new RangeError(`${step} has no policy time limit`);
  return limit;
}

/** Step ids: one step per kind, joint review one per department and round. */
export function stepIdOf(step: StepKind, department?: string, round = 1): string {
  return department ? `${step}#${department}#${round}` : `${step}#${round}`;
}

/** The queue a step shows in: a role's, the consulted department's, or none (the villager's steps). */
export function queueOf(step: StepKind, department?: string): string | undefined {
  const role = STEP_RULES[step].queueRole;
  if (role === "villager") return undefined;
  if (role === "department") return department;
  return role;
}

/** The role whose queue receives escalations of overdue steps (shared/workflow/mark-overdue.ts). */
export const ESCALATION_ROLE = "township_head" satisfies Role;
