import { lambdaHandler } from "#shared/lambda.ts";
import { sfnClient, tableDeps } from "#shared/runtime.ts";
import { openStepInput } from "#shared/workflow/contracts.ts";
import { openStep } from "#shared/workflow/open-step.ts";

const deps = { ...tableDeps(), sfn: sfnClient() };

/**
 * Step Functions task (`.waitForTaskToken`): records a human step and its task
 * token; the step resumes when the decide API sends the reviewer's decision.
 * The token is stored, never logged or returned. An opening run again after
 * its step was decided answers its own token with that decision.
 */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = openStepInput.parse(event);
  return openStep(deps, input);
});
