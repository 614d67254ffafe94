import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { executionStatusEvent, recordExecutionEnd } from "#shared/workflow/execution-status.ts";

const deps = tableDeps();

/**
 * EventBridge target ("Step Functions Execution Status Change", FAILED / TIMED_OUT /
 * ABORTED of the approval workflow): an unexpected end becomes an operator incident.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  const parsed = executionStatusEvent.parse(event);
  return recordExecutionEnd(deps, parsed);
});
