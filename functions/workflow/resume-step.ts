import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { resumeStepInput } from "#shared/workflow/contracts.ts";
import { resumeStep } from "#shared/workflow/resume-step.ts";

const deps = tableDeps();

/** Step Functions task: the wait of a step reopened after a correction (the time it had left). */
export const handler = lambdaHandler(async (event: unknown) =>
  resumeStep(deps, resumeStepInput.parse(event)),
);
