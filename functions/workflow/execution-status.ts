import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { executionStatusEvent, recordExecutionEnd } from "#shared/workflow/execution-status.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * EventBridge target ("Step Functions Execution Status Change", FAILED / TIMED_OUT /
 * ABORTED of the approval workflow): an unexpected end becomes an operator incident.
 */
export const handler = async (event: unknown) => {
  const parsed = executionStatusEvent.parse(event);
  return recordExecutionEnd({ client, tableName: config.TABLE_NAME, now: () => new Date() }, parsed);
};
