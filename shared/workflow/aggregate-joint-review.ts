/**
 * The AggregateJointReview task: after every consulted department of a round
 * has answered, merges their decisions and moves the case.
 *
 *   any rejected               → completeJointReview, reject           → rejected
 *   else any correction asked  → requestCorrection (resume in_joint_review),
 *                                next round with only the asking departments
 *   else                       → completeJointReview                    → approved
 */

import { isTerminal } from "../domain/case-status.ts";
import type { DecisionOutcome, StepRecord } from "../schemas/case.ts";
import type { DepartmentId } from "../schemas/common.ts";
import { CaseStore } from "../store/case-store.ts";
import { type AggregateJointReviewInput, WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import type { WorkflowDeps } from "./open-step.ts";
import { jointReviewResume } from "./paused-clock.ts";

export interface JointReviewVerdict {
  readonly outcome: DecisionOutcome;
  /** Correction only: the departments that asked, who alone review the next round. */
  readonly departments: DepartmentId[];
  /** The round the workflow continues with (this one + 1 after a correction). */
  readonly round: number;
  /** Correction only: the next round's clock, what the askers had left (merged into the plan). */
  readonly resume?: ReturnType<typeof jointReviewResume>;
}

/** A consultation of this round still awaits its answer: the Map should not have finished. */
export class JointReviewIncompleteError extends Error {
  override readonly name = "JointReviewIncompleteError";
}

/** Pure: the verdict of one round's consultation steps. */
export function jointReviewVerdict(steps: readonly StepRecord[], round: number): JointReviewVerdict {
  const consultations = steps.filter((step) => step.step === "joint_review" && step.round === round);
  if (consultations.length === 0) {
    throw new JointReviewIncompleteError(`No joint-review consultations in round ${round}`);
  }
  const open = consultations.filter((step) => step.status !== "responded" || !step.decision);
  if (open.length > 0) {
    throw new JointReviewIncompleteError(
      `Round ${round}: ${open.map((step) => step.department).join(", ")} not answered`,
    );
  }
  const outcomes = (outcome: DecisionOutcome) =>
    consultations
      .filter((step) => step.decision?.outcome === outcome)
      .flatMap((step) => (step.department ? [step.department] : []));
  if (outcomes("rejected").length > 0) return { outcome: "rejected", departments: [], round };
  const asking = outcomes("correction_requested");
  if (asking.length > 0) return { outcome: "correction_requested", departments: asking, round: round + 1 };
  return { outcome: "approved", departments: [], round };
}

/** Safe to re-run: each transition only applies from the status it starts from. */
export async function aggregateJointReview(
  deps: WorkflowDeps,
  input: AggregateJointReviewInput,
): Promise<JointReviewVerdict> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const { record: loaded, steps } = await store.load(input.caseId);
  // Closed by someone else (withdrawn…): its consultations were cancelled, there is nothing to merge.
  // A rejected case may be this task's own earlier run (a retry): the verdict below says so.
  if (isTerminal(loaded.status) && loaded.status !== "rejected") {
    throw new CaseClosedError(input.caseId, loaded.status);
  }
  const verdict = jointReviewVerdict(steps, input.round);
  const data = {
    round: input.round,
    outcome: verdict.outcome,
    ...(verdict.outcome === "correction_requested" ? { departments: verdict.departments } : {}),
  };
  await store.withRetry(input.caseId, async (record) => {
    if (record.status !== "in_joint_review") {
      // A retry after a partial success: only the second half of a rejection may remain.
      if (verdict.outcome === "rejected" && record.status === "awaiting_decision") {
        return store.transition(record, "reject", { actor: WORKFLOW_ACTOR, data });
      }
      return record;
    }
    if (verdict.outcome === "correction_requested") {
      return store.transition(record, "requestCorrection", {
        actor: WORKFLOW_ACTOR,
        data,
        set: { resumeTo: "in_joint_review" },
      });
    }
    const completed = await store.transition(record, "completeJointReview", {
      actor: WORKFLOW_ACTOR,
      facts: { openConsultations: 0 },
      data,
    });
    return verdict.outcome === "rejected"
      ? store.transition(completed, "reject", { actor: WORKFLOW_ACTOR, data })
      : completed;
  });
  return verdict.outcome === "correction_requested" && input.reminderSeconds !== undefined
    ? { ...verdict, resume: jointReviewResume(steps, verdict.departments, input.reminderSeconds) }
    : verdict;
}
