import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { openStepInput } from "#shared/schemas/workflow.ts";
import { openStep } from "#shared/workflow/open-step.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task (`.waitForTaskToken`): records a human step and waits for its decision. */
export const handler = async (event: unknown) => {
  const input = openStepInput.parse(event);
  return openStep(client, config.TABLE_NAME, input, new Date());
};
