/**
 * The MarkOverdue task: a human step ran past its time limit. The step moves to
 * the overdue group of its queue, the township head gets an escalation item in
 * their queue, and the case records an `escalate` event. The workflow then
 * reopens the same step without a timeout: a late step is chased, never
 * decided by the clock.
 */

import { isTerminal } from "../domain/case-status.ts";
import type { StepRecord } from "../schemas/case.ts";
import { CaseStore } from "../store/case-store.ts";
import { type MarkOverdueInput, WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { stepsOfKind, type WorkflowDeps } from "./open-step.ts";
import { ESCALATION_ROLE } from "./steps.ts";

/** No step of that kind is open: the timeout fired for a step that was never recorded. */
export class StepNotFoundError extends Error {
  override readonly name = "StepNotFoundError";
}

/**
 * The step a workflow timer fired for: the given round (joint review), else the latest awaiting one,
 * else the latest of its kind — decided, but the workflow has not got the decision yet (its delivery
 * is pending a redrive), so the run must keep waiting for it rather than fail.
 */
export function timedStep(steps: readonly StepRecord[], input: MarkOverdueInput): StepRecord | undefined {
  const ofKind = stepsOfKind(steps, input.step, input.department);
  return input.round === undefined
    ? (ofKind.filter((candidate) => candidate.status === "awaiting_response").at(-1) ?? ofKind.at(-1))
    : ofKind.find((candidate) => candidate.round === input.round);
}

export async function markOverdue(
  deps: WorkflowDeps,
  input: MarkOverdueInput,
): Promise<{ stepId: string; escalated: boolean }> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  return store.withRetry(input.caseId, async () => {
    const { record, steps } = await store.load(input.caseId);
    // The run of a withdrawn case that could not be stopped ends at its step's timeout at the latest.
    if (isTerminal(record.status)) throw new CaseClosedError(input.caseId, record.status);
    const step = timedStep(steps, input);
    if (!step) {
      throw new StepNotFoundError(
        `Case ${input.caseId}: no open ${input.step}${input.department ? ` (${input.department})` : ""} step`,
      );
    }
    // Already escalated (a retry), or decided just as the timer fired: nothing to chase.
    if (step.overdue || step.status !== "awaiting_response") return { stepId: step.stepId, escalated: false };

    const now = deps.now().toISOString();
    const deadline = step.deadline ?? now;
    await store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "escalate",
      data: {
        stepId: step.stepId,
        step: step.step,
        deadline,
        escalatedTo: ESCALATION_ROLE,
        ...(step.department ? { department: step.department } : {}),
      },
      alsoWrite: store.steps.markOverdue(step, record.townshipCode, now),
    });
    return { stepId: step.stepId, escalated: true };
  });
}
