import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { resumeStepInput } from "#shared/workflow/contracts.ts";
import { resumeStep } from "#shared/workflow/resume-step.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions task: the wait of a step reopened after a correction (the time it had left). */
export const handler = async (event: unknown) =>
  resumeStep({ client, tableName: config.TABLE_NAME, now: () => new Date() }, resumeStepInput.parse(event));
