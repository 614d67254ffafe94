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
import type { DecisionOutcome, StepKind } from "../schemas/case.ts";
import type { TimeLimitedStep } from "../schemas/policy.ts";

export interface StepRule {
  /** The role whose queue shows the step; joint review uses the department's queue instead. */
  readonly queueRole: Role | "department" | "villager";
  /** The policy time limit that sets the step's deadline and the task's TimeoutSeconds. */
  readonly timeLimit: TimeLimitedStep;
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
  site_visit_completion: {
    queueRole: "site_inspector",
    timeLimit: "completion_inspection",
    onDecision: { approved: "complete" },
  },
};

/** Step ids: one step per kind, joint review one per department and round. */
export function stepIdOf(step: StepKind, department?: string, round = 1): string {
  return department ? `${step}#${department}#${round}` : `${step}#${round}`;
}
