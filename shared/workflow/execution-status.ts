/**
 * The execution status-change rule's target: an execution of the approval
 * workflow that FAILED, TIMED_OUT or was ABORTED other than by a withdraw
 * becomes an `execution_failed` incident (recovery: RedriveExecution), so no
 * run ends unseen. The operator loop keeps task failures inside the run; this
 * catches what is left (the loop's own task failing, a Map failing, a run
 * stopped by hand, the one-year execution timeout).
 */
import * as z from "zod";
import { isTerminal } from "../domain/case-status.ts";
import { logger } from "../logger.ts";
import { CaseStore } from "../store/case-store.ts";
import { UNEXPECTED_END_STATUSES } from "./contracts.ts";
import { openIncident } from "./incidents.ts";
import type { WorkflowDeps } from "./open-step.ts";

/** EventBridge "Step Functions Execution Status Change" (the fields used). */
export const executionStatusEvent = z.object({
  "detail-type": z.literal("Step Functions Execution Status Change"),
  detail: z.object({
    executionArn: z.string().startsWith("arn:"),
    stateMachineArn: z.string(),
    status: z.string(),
    /** The execution's input, as JSON text: `{"caseId": …}`. */
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionStatusEvent = z.infer<typeof executionStatusEvent>;

const workflowInput = z.object({ caseId: z.string().min(1) });

export async function recordExecutionEnd(
  deps: WorkflowDeps,
  event: ExecutionStatusEvent,
): Promise<{ incidentId?: string; ignored?: string }> {
  const { detail } = event;
  if (!(UNEXPECTED_END_STATUSES as readonly string[]).includes(detail.status)) {
    return { ignored: `status ${detail.status}` };
  }
  let caseId: string;
  try {
    caseId = workflowInput.parse(JSON.parse(detail.input ?? "null")).caseId;
  } catch {
    logger.error("Execution without a case id ended", {
      executionArn: detail.executionArn,
      status: detail.status,
    });
    return { ignored: "no case id in the execution input" };
  }
  const record = await new CaseStore(deps.client, deps.tableName, deps.now).get(caseId);
  if (!record) return { ignored: `no case ${caseId}` };
  // A withdrawn (or otherwise closed) case's run was stopped on purpose, or has nothing left to do.
  if (isTerminal(record.status)) return { ignored: `case is ${record.status}` };
  // A later run serves the case (a new submission round): this one's end changes nothing.
  if (record.executionArn && record.executionArn !== detail.executionArn) {
    return { ignored: "not the case's current run" };
  }
  const { incidentId } = await openIncident(deps, {
    caseId,
    kind: "execution_failed",
    error: detail.error ?? detail.status,
    ...(detail.cause ? { message: detail.cause } : {}),
    executionArn: detail.executionArn,
  });
  return { incidentId };
}
