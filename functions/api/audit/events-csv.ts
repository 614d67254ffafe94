import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { csvResult } from "#shared/audit/csv.ts";
import { eventExportQuerySchema } from "#shared/audit/schemas.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const audit = new AuditService(documentClient(), tableName(), {
  cursors: cursorsFromEnv(),
});

/**
 * GET /audit/events.csv: the same search as CSV (up to 5000 rows per download;
 * `x-next-cursor` continues it).
 */
export const handler = httpRoute(
  "GET /audit/events.csv",
  { query: eventExportQuerySchema },
  async ({ query, event, actor }) => {
    const { csv, nextCursor } = await audit.exportEvents(auditRequestOf(event, actor), query);
    const day = query.from.slice(0, 10);
    return csvResult(csv, `audit-events-${day}.csv`, nextCursor ? { "x-next-cursor": nextCursor } : {});
  },
);
