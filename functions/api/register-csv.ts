import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { csvResult } from "#shared/audit/csv.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { Register } from "#shared/register/register.ts";
import { registerExportQuerySchema } from "#shared/register/schemas.ts";

const config = readConfig(tableEnv);
const register = new Register(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  config.TABLE_NAME,
  cursorsFromEnv(),
);

/** GET /register.csv: the county filing (备案) export of the register; `x-next-cursor` continues it. */
export const handler = httpRoute(
  "GET /register.csv",
  { query: registerExportQuerySchema },
  async ({ query, event }) => {
    const { csv, page } = await register.export(auditRequestOf(event), query);
    return csvResult(
      csv,
      `register-${page.township}.csv`,
      page.nextCursor ? { "x-next-cursor": page.nextCursor } : {},
    );
  },
);
