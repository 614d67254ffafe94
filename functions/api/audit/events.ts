import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { eventSearchQuerySchema } from "#shared/audit/schemas.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const audit = new AuditService(documentClient(), tableName(), {
  cursors: cursorsFromEnv(),
});

/** GET /audit/events: events by time range (byEventTime), filtered and paginated. */
export const handler = httpRoute(
  "GET /audit/events",
  { query: eventSearchQuerySchema },
  async ({ query, event, actor }) => ok(await audit.searchEvents(auditRequestOf(event, actor), query)),
);
