import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { openStepInput } from "#shared/workflow/contracts.ts";
import { openStep } from "#shared/workflow/open-step.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sfn = new SFNClient({});

/**
 * Step Functions task (`.waitForTaskToken`): records a human step and its task
 * token; the step resumes when the decide API sends the reviewer's decision.
 * The token is stored, never logged or returned. An opening run again after
 * its step was decided answers its own token with that decision.
 */
export const handler = async (event: unknown) => {
  const input = openStepInput.parse(event);
  return openStep({ client, sfn, tableName: config.TABLE_NAME, now: () => new Date() }, input);
};
