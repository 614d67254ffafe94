/**
 * Builds the reviewer API's dependencies once per container (call at module
 * scope): SDK clients, config read and validated at load.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "../config.ts";
import { CaseStore } from "../store/case-store.ts";
import type { ReviewDeps } from "./decide.ts";

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Table + Step Functions (SendTaskSuccess); the delivery code retries itself, so the SDK sends once. */
export function reviewDeps(): ReviewDeps {
  const config = readConfig(tableEnv);
  const client = documentClient();
  return {
    client,
    tableName: config.TABLE_NAME,
    cases: new CaseStore(client, config.TABLE_NAME),
    sfn: new SFNClient({ maxAttempts: 1 }),
    now: () => new Date(),
  };
}
