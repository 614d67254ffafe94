import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { Register } from "#shared/register/register.ts";
import { registerQuerySchema } from "#shared/register/schemas.ts";

const config = readConfig(tableEnv);
const register = new Register(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  config.TABLE_NAME,
  cursorsFromEnv(),
);

/** GET /register: a township's cases by status with their key dates, newest change first. */
export const handler = httpRoute("GET /register", { query: registerQuerySchema }, async ({ query, event }) =>
  ok(await register.list(auditRequestOf(event), query)),
);
