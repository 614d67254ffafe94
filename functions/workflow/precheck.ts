import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { caseTaskInput } from "#shared/workflow/contracts.ts";
import { precheckCase } from "#shared/workflow/precheck.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: runs the pre-check and returns the workflow plan (ResultPath `$.plan`). */
export const handler = async (event: unknown) => {
  const { caseId } = caseTaskInput.parse(event);
  return precheckCase({ client, tableName: config.TABLE_NAME, now: () => new Date() }, caseId);
};
