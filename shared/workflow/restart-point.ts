/**
 * Where a restarted run enters the workflow (the operator's last resort when
 * a run cannot be redriven and a decision cannot be re-delivered): the step
 * the case is waiting for, read from the stored case. A decision and its
 * status change are one transaction, so the status names the next step
 * nobody decided; joint review goes on with the departments that have not
 * answered the current round. Pure: no AWS imports (the CDK construct uses
 * the list of entry points).
 */
import type { CaseStatus } from "../domain/case-status.ts";
import type { CaseRecord, StepRecord } from "../schemas/case.ts";
import type { DepartmentId } from "../schemas/common.ts";

/** States of the approval workflow a restart run may enter at (`$.resume.at`). */
export const RESTART_POINTS = [
  "Precheck",
  "PublicNotice",
  "VillageReview",
  "TownshipAcceptance",
  "JointReview",
  "TownshipApproval",
  "IssueCertificates",
  "SiteVisitStaking",
  "SiteVisitCompletion",
] as const;
export type RestartPoint = (typeof RESTART_POINTS)[number];

export type ResumePoint =
  | { readonly at: Exclude<RestartPoint, "JointReview"> }
  | { readonly at: "JointReview"; readonly round: number; readonly departments: readonly DepartmentId[] }
  /** The construction period: a phase run at the household's completion report. */
  | { readonly at: "Construction" };

/** Why a case cannot be restarted from a step (a correction the household owes, a closed case). */
export class NoRestartPointError extends Error {
  override readonly name = "NoRestartPointError";
  constructor(readonly status: CaseStatus) {
    super(`A case in status ${status} has no step to restart from`);
  }
}

const BY_STATUS: Partial<Record<CaseStatus, Exclude<RestartPoint, "JointReview" | "IssueCertificates">>> = {
  submitted: "Precheck",
  prechecked: "PublicNotice",
  in_public_notice: "PublicNotice",
  in_village_review: "VillageReview",
  awaiting_acceptance: "TownshipAcceptance",
  awaiting_decision: "TownshipApproval",
  completion_reported: "SiteVisitCompletion",
};

/** The current joint-review round and its departments that have not answered it. */
function jointReviewPoint(steps: readonly StepRecord[], planned: readonly DepartmentId[]): ResumePoint {
  const consultations = steps.filter((step) => step.step === "joint_review");
  const round = Math.max(1, ...consultations.map((step) => step.round));
  const ofRound = consultations.filter((step) => step.round === round);
  // Round 1 consults every department the pre-check brought in; a later round only the askers (opened already).
  const departments =
    round === 1 ? planned : ofRound.flatMap((step) => (step.department ? [step.department] : []));
  const answered = new Set(
    ofRound.filter((step) => step.status === "responded").map((step) => step.department),
  );
  return {
    at: "JointReview",
    round,
    departments: departments.filter((department) => !answered.has(department)),
  };
}

export function resumePoint(record: CaseRecord, steps: readonly StepRecord[]): ResumePoint {
  const status = record.status;
  if (status === "accepted" || status === "in_joint_review") {
    return jointReviewPoint(steps, record.precheck?.departments ?? []);
  }
  if (status === "approved") {
    const issued = (record.certificates ?? []).length > 0;
    return { at: issued ? "SiteVisitStaking" : "IssueCertificates" };
  }
  if (status === "staked_out") return { at: "Construction" };
  const at = BY_STATUS[status];
  if (!at) throw new NoRestartPointError(status);
  return { at };
}
