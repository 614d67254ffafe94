/**
 * The ResumeStep task: the household answered a correction, and the step that
 * asked for it opens again with the time it had left when it asked (its clock
 * paused meanwhile, paused-clock.ts). Returns the step's wait (`$.wait`); the
 * step's Check then waits it out, reminded as usual. open-step gives the
 * reopened step the matching deadline.
 */
import { CaseStore } from "../store/case-store.ts";
import type { ResumeStepInput, WaitSegment } from "./contracts.ts";
import type { WorkflowDeps } from "./open-step.ts";
import { resumedWait, timeLeftAfterCorrection } from "./paused-clock.ts";

/** The step that asked has no correction request on record: the workflow resumed something else. */
export class NothingToResumeError extends Error {
  override readonly name = "NothingToResumeError";
}

export async function resumeStep(deps: WorkflowDeps, input: ResumeStepInput): Promise<WaitSegment> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const { steps } = await store.load(input.caseId);
  const left = timeLeftAfterCorrection(steps, input.step);
  if (left === undefined) {
    throw new NothingToResumeError(
      `Case ${input.caseId}: the last ${input.step} step asked for no correction`,
    );
  }
  return resumedWait(left, input.reminderSeconds);
}
