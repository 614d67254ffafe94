import { lambdaHandler } from "#shared/lambda.ts";
import { tableDeps } from "#shared/runtime.ts";
import { aggregateJointReview } from "#shared/workflow/aggregate-joint-review.ts";
import { aggregateJointReviewInput } from "#shared/workflow/contracts.ts";

const deps = tableDeps();

/** Step Functions task: merges one joint-review round's answers (ResultPath `$.jointReview`). */
export const handler = lambdaHandler(async (event: unknown) => {
  const input = aggregateJointReviewInput.parse(event);
  return aggregateJointReview(deps, input);
});
