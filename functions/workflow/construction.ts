import { lambdaHandler } from "#shared/lambda.ts";
import { sfnClient, tableDeps } from "#shared/runtime.ts";
import { constructionTask, constructionTaskInput } from "#shared/workflow/construction.ts";

const deps = { ...tableDeps(), sfn: sfnClient() };

/**
 * Step Functions task of the construction period: starts it at staking-out
 * (phase run 1), and when a phase run's wait runs out reminds the household,
 * expires the unbuilt approval or hands over to the next run.
 */
export const handler = lambdaHandler(async (event: unknown) =>
  constructionTask(deps, constructionTaskInput.parse(event)),
);
