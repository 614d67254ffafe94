import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { actorOf } from "#shared/auth/actor.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { getAdminImport, importIdPathSchema } from "#shared/reference/import/admin-import.ts";

const config = readConfig(tableEnv);
const deps = { client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: config.TABLE_NAME };

/** GET /admin/imports/{importId}: an admin import's progress (status, line reached, counts) or result. */
export const handler = httpRoute(
  "GET /admin/imports/{importId}",
  { path: importIdPathSchema },
  async ({ path, event }) => ok(await getAdminImport(deps, actorOf(event), path.importId)),
);
