import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { markOverdueInput } from "#shared/workflow/contracts.ts";
import { markOverdue } from "#shared/workflow/mark-overdue.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: a human step timed out; mark it overdue and escalate to the township head. */
export const handler = async (event: unknown) => {
  const input = markOverdueInput.parse(event);
  return markOverdue({ client, tableName: config.TABLE_NAME, now: () => new Date() }, input);
};
