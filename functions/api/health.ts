import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";
import type { Health } from "#shared/schemas/responses.ts";

const documents = documentClient();
const table = tableName();

/** GET /health: the API is up and the case table answers. */
export const handler = httpRoute("GET /health", {}, async () => {
  const started = Date.now();
  await documents.send(new GetCommand({ TableName: table, Key: { pk: "HEALTH", sk: "HEALTH" } }));
  return ok({ status: "ok", table: "reachable", tableLatencyMs: Date.now() - started } satisfies Health);
});
