import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { remindInput } from "#shared/workflow/contracts.ts";
import { remind } from "#shared/workflow/remind.ts";

const deps = tableDeps();

/** Step Functions task: a step waited a whole reminder interval; remind it and return the next wait. */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = remindInput.parse(event);
  // Step Functions keeps `$.wait` from the result: null for an overdue step (its result is discarded).
  return (await remind(deps, input)) ?? null;
});
