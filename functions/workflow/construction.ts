import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { constructionTask, constructionTaskInput } from "#shared/workflow/construction.ts";

const config = readConfig(tableEnv);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sfn = new SFNClient({});

/**
 * Step Functions task of the construction period: starts it at staking-out
 * (phase run 1), and when a phase run's wait runs out reminds the household,
 * expires the unbuilt approval or hands over to the next run.
 */
export const handler = async (event: unknown) =>
  constructionTask(
    { client, tableName: config.TABLE_NAME, sfn, now: () => new Date() },
    constructionTaskInput.parse(event),
  );
