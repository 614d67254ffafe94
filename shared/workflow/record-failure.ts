/**
 * The RecordFailure task: every task error the workflow cannot retry ends here
 * before the execution fails, so the case shows the failure instead of
 * silently standing still.
 */
import { CaseStore } from "../store/case-store.ts";
import { type RecordFailureInput, WORKFLOW_ACTOR } from "./contracts.ts";
import type { WorkflowDeps } from "./open-step.ts";

const MAX_CAUSE = 500;

/** Lambda errors arrive as `{"errorType","errorMessage","trace"}` text: keep the message, drop the trace. */
export function failureMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage.slice(0, MAX_CAUSE);
  } catch {
    // Not JSON: a States.* error's plain text.
  }
  return cause.slice(0, MAX_CAUSE);
}

export async function recordFailure(deps: WorkflowDeps, input: RecordFailureInput): Promise<void> {
  const store = new CaseStore(deps.client, deps.tableName, deps.now);
  const message = failureMessage(input.error.Cause);
  await store.withRetry(input.caseId, (record) =>
    store.record(record, {
      actor: WORKFLOW_ACTOR,
      action: "workflowFailed",
      data: { error: input.error.Error, ...(message ? { message } : {}) },
      set: { failure: { error: input.error.Error, at: deps.now().toISOString() } },
    }),
  );
}
