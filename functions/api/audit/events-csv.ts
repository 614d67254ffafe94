import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { csvResult } from "#shared/audit/csv.ts";
import { eventExportQuerySchema } from "#shared/audit/schemas.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute } from "#shared/http/handler.ts";

const config = readConfig(tableEnv);
const audit = new AuditService(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.TABLE_NAME, {
  cursors: cursorsFromEnv(),
});

/**
 * GET /audit/events.csv: the same search as CSV (up to 5000 rows per download;
 * `x-next-cursor` continues it).
 */
export const handler = httpRoute(
  "GET /audit/events.csv",
  { query: eventExportQuerySchema },
  async ({ query, event }) => {
    const { csv, nextCursor } = await audit.exportEvents(auditRequestOf(event), query);
    const day = query.from.slice(0, 10);
    return csvResult(csv, `audit-events-${day}.csv`, nextCursor ? { "x-next-cursor": nextCursor } : {});
  },
);
