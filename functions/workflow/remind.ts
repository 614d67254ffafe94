import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { remindInput } from "#shared/workflow/contracts.ts";
import { remind } from "#shared/workflow/remind.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: a step waited a whole reminder interval; remind it and return the next wait. */
export const handler = async (event: unknown) => {
  const input = remindInput.parse(event);
  // Step Functions keeps `$.wait` from the result: null for an overdue step (its result is discarded).
  return (await remind({ client, tableName: config.TABLE_NAME, now: () => new Date() }, input)) ?? null;
};
