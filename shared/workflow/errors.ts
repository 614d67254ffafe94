/**
 * The errors a workflow task throws on purpose, in one place: the state
 * machine (infra/constructs/approval-workflow.ts) never retries these —
 * running the task again cannot change the answer — and retries everything
 * else (Lambda service and timeout errors, throttling, 5xx, network resets, a
 * lost optimistic-lock race) with backoff and jitter before the operator loop
 * takes over. Pure data and one error class: no AWS imports, so the CDK app
 * reads the list without loading the tasks.
 */

/**
 * The case reached a terminal status (withdrawn, rejected, completed,
 * expired) while its run was still going, typically a withdraw whose
 * StopExecution failed: the task does nothing and the workflow ends the run
 * cleanly (Succeed `CaseClosed`) instead of recording a failure.
 */
export class CaseClosedError extends Error {
  override readonly name = "CaseClosedError";
  constructor(caseId: string, status: string) {
    super(`Case ${caseId} is ${status}; its workflow has nothing left to do`);
  }
}

/** The name of the error a task throws when the case is closed (the workflow's Catch matches it). */
export const CASE_CLOSED_ERROR = "CaseClosedError";

/**
 * Final domain errors, by `name` (what Step Functions matches): thrown when
 * the stored data cannot take the task, so a retry would only repeat it.
 * Each entry is the `name` of a class the tasks throw
 * (test/unit/workflow-errors.test.ts checks every class against this list).
 */
export const FINAL_TASK_ERRORS = [
  // The case is closed: the run ends (caught before the operator loop).
  CASE_CLOSED_ERROR,
  // precheck: the stored application fails the submission schema; the household is not in the register.
  "ApplicationIncompleteError",
  "ReferenceDataMissingError",
  // aggregate-joint-review: a consultation of the round has no answer.
  "JointReviewIncompleteError",
  // mark-overdue: the step the timer fired for was never recorded.
  "StepNotFoundError",
  // issue-certificates: the case is not approved, or lacks what a certificate prints.
  "CaseNotApprovedError",
  "IncompleteApplicationError",
  // open-step: a completion report step before the construction period started.
  "ConstructionNotStartedError",
  // resume-step: the step to reopen after a correction asked for none.
  "NothingToResumeError",
  // construction: the period cannot start before the case has its certificates.
  "NotApprovedError",
  // Any task: a status change the case's status machine refuses; an unknown county policy; no case.
  "IllegalTransitionError",
  "UnknownPolicyError",
  "CaseNotFoundError",
  // Any task: its input does not parse (a definition/contract bug, not a passing fault).
  "ZodError",
] as const;
