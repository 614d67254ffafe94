import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { aggregateJointReview } from "#shared/workflow/aggregate-joint-review.ts";
import { aggregateJointReviewInput } from "#shared/workflow/contracts.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: merges one joint-review round's answers (ResultPath `$.jointReview`). */
export const handler = async (event: unknown) => {
  const input = aggregateJointReviewInput.parse(event);
  return aggregateJointReview({ client, tableName: config.TABLE_NAME, now: () => new Date() }, input);
};
