import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { eventSearchQuerySchema } from "#shared/audit/schemas.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";

const config = readConfig(tableEnv);
const audit = new AuditService(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.TABLE_NAME, {
  cursors: cursorsFromEnv(),
});

/** GET /audit/events: events by time range (byEventTime), filtered and paginated. */
export const handler = httpRoute(
  "GET /audit/events",
  { query: eventSearchQuerySchema },
  async ({ query, event }) => ok(await audit.searchEvents(auditRequestOf(event), query)),
);
