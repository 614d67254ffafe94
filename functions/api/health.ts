import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import type { Health } from "#shared/schemas/responses.ts";

const config = readConfig(tableEnv);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** GET /health: the API is up and the case table answers. */
export const handler = httpRoute("GET /health", {}, async () => {
  const started = Date.now();
  await documents.send(new GetCommand({ TableName: config.TABLE_NAME, Key: { pk: "HEALTH", sk: "HEALTH" } }));
  return ok({ status: "ok", table: "reachable", tableLatencyMs: Date.now() - started } satisfies Health);
});
