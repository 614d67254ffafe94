import { httpRoute, ok } from "#shared/http/handler.ts";
import { failedSmsQuerySchema, listFailedSms } from "#shared/notify/inbox.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName() };

/** GET /admin/notifications/failed: SMS the sender gave up on, for the county admin to follow up by phone. */
export const handler = httpRoute(
  "GET /admin/notifications/failed",
  { query: failedSmsQuerySchema },
  async ({ query, actor }) => ok(await listFailedSms(deps, actor, query)),
);
