import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { recordFailureInput } from "#shared/workflow/contracts.ts";
import { recordFailure } from "#shared/workflow/record-failure.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * Step Functions task (`.waitForTaskToken`, the operator loop): records a task
 * whose retries are spent as an incident, with the token kept server-side; the
 * run waits for the operator's recovery.
 */
export const handler = async (event: unknown) => {
  const input = recordFailureInput.parse(event);
  return recordFailure({ client, tableName: config.TABLE_NAME, now: () => new Date() }, input);
};
