import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { recordFailureInput } from "#shared/workflow/contracts.ts";
import { recordFailure } from "#shared/workflow/record-failure.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: records a workflow failure on the case before the execution fails. */
export const handler = async (event: unknown) => {
  const input = recordFailureInput.parse(event);
  await recordFailure({ client, tableName: config.TABLE_NAME, now: () => new Date() }, input);
  return { recorded: true };
};
