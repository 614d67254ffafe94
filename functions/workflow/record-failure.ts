import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { recordFailureInput } from "#shared/workflow/contracts.ts";
import { recordFailure } from "#shared/workflow/record-failure.ts";

const deps = tableDeps();

/**
 * Step Functions task (`.waitForTaskToken`, the operator loop): records a task
 * whose retries are spent as an incident, with the token kept server-side; the
 * run waits for the operator's recovery.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = recordFailureInput.parse(event);
  return recordFailure(deps, input);
});
