import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { caseTaskInput } from "#shared/workflow/contracts.ts";
import { precheckCase } from "#shared/workflow/precheck.ts";

const deps = tableDeps();

/** Step Functions task: runs the pre-check and returns the workflow plan (ResultPath `$.plan`). */
export const handler = lambdaHandler(async (event: unknown) => {
  const { caseId } = caseTaskInput.parse(event);
  return precheckCase(deps, caseId);
});
