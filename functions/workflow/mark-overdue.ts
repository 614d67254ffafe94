import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { markOverdueInput } from "#shared/workflow/contracts.ts";
import { markOverdue } from "#shared/workflow/mark-overdue.ts";

const deps = tableDeps();

/** Step Functions task: a human step timed out; mark it overdue and escalate to the township head. */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = markOverdueInput.parse(event);
  return markOverdue(deps, input);
});
