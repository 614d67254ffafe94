/**
 * The operator loop's task (`<Task>Failed`, `.waitForTaskToken`): a task
 * whose retries are spent is recorded as a `task_failed` incident on the
 * case, with this state's token stored on the incident; the run then waits
 * for the operator (POST /incidents/{caseId}/{incidentId}/recover sends
 * `{ retry: <state> }` and the workflow re-enters the failed task). Safe to
 * run twice: a retry finds the open incident and only stores the new token.
 */
import { isTerminal } from "../domain/case-status.ts";
import { CaseStore } from "../store/case-store.ts";
import type { RecordFailureInput } from "./contracts.ts";
import { CaseClosedError } from "./errors.ts";
import { failureMessage, openIncident } from "./incidents.ts";
import type { WorkflowDeps } from "./open-step.ts";

export { failureMessage };

export async function recordFailure(
  deps: WorkflowDeps,
  input: RecordFailureInput,
): Promise<{ incidentId: string }> {
  const record = await new CaseStore(deps.client, deps.tableName, deps.now).require(input.caseId);
  // A withdrawn case's run has nothing to recover: end it (Succeed CaseClosed).
  if (isTerminal(record.status)) throw new CaseClosedError(input.caseId, record.status);
  const message = failureMessage(input.error.Cause);
  const { incidentId } = await openIncident(deps, {
    caseId: input.caseId,
    kind: "task_failed",
    error: input.error.Error,
    ...(message ? { message } : {}),
    state: input.state,
    ...(input.department ? { department: input.department } : {}),
    executionArn: input.executionArn,
    taskToken: input.taskToken,
  });
  return { incidentId };
}
