/**
 * The Remind task: a human step's heartbeat timed out, i.e. it waited one whole
 * reminder interval (county policy `reminderInterval`) without a decision.
 * The step's reminder count goes up (its queue shows it) and the case records
 * a `remind` event, in one transaction; then the workflow waits again for what
 * is left of the limit.
 *
 * The rest of the limit is arithmetic on the segment that just ran (no
 * heartbeats are ever sent, so a heartbeat timeout means exactly
 * `heartbeatSeconds` passed), not a clock reading: the step's deadline never
 * moves, and a scaled local clock (tests) keeps the same proportions.
 */

import { isTerminal } from "../domain/case-status.ts";
import { CaseStore } from "../store/case-store.ts";
import { type RemindInput, type WaitSegment, WORKFLOW_ACTOR } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { timedStep } from "./mark-overdue.ts";
import type { WorkflowDeps } from "./open-step.ts";

/**
 * The wait after a heartbeat ended `wait`: what is left of the limit,
 * reminded every interval (Check sends it to the last wait, without a
 * heartbeat, when no whole interval is left). Undefined for an overdue step.
 */
export function nextSegment(wait: WaitSegment | undefined, reminderSeconds: number): WaitSegment | undefined {
  if (!wait) return undefined;
  return {
    timeoutSeconds: Math.max(1, wait.timeoutSeconds - wait.heartbeatSeconds),
    heartbeatSeconds: reminderSeconds,
  };
}

/**
 * Whether the heartbeat that fired measured a whole reminder interval; a
 * step whose limit is shorter than the interval gets a heartbeat just under
 * its limit (plan.ts `firstHeartbeats`), which reminds nobody.
 */
export const isReminder = (input: Pick<RemindInput, "wait" | "reminderSeconds">): boolean =>
  input.wait === undefined || input.wait.heartbeatSeconds >= input.reminderSeconds;

export async function remind(deps: WorkflowDeps, input: RemindInput): Promise<WaitSegment | undefined> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const next = nextSegment(input.wait, input.reminderSeconds);
  if (!isReminder(input)) return next;
  await store.withRetry(input.caseId, async (record) => {
    // The run of a withdrawn case that could not be stopped ends at its next reminder at the latest.
    if (isTerminal(record.status)) throw new CaseClosedError(input.caseId, record.status);
    const { steps } = await store.load(input.caseId);
    const step = timedStep(steps, input);
    // Decided just as the timer fired (its decision is on its way), or never recorded: nobody to remind.
    if (step?.status !== "awaiting_response") return record;
    const reminders = (step.reminders ?? 0) + 1;
    const at = deps.now().toISOString();
    return store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "remind",
      data: {
        stepId: step.stepId,
        step: step.step,
        reminders,
        overdue: step.overdue,
        ...(step.department ? { department: step.department } : {}),
        ...(step.deadline ? { deadline: step.deadline } : {}),
      },
      alsoWrite: [store.steps.remind(step, reminders, at)],
    });
  });
  return next;
}
