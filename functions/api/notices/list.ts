import { httpRoute, ok } from "#shared/http/handler.ts";
import { listNotices, noticeListQuerySchema } from "#shared/notices/notices.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const client = documentClient();
const table = tableName();

/** GET /notices?township=…|village=…: public. The published notices (公示) of a township or village. */
export const handler = httpRoute("GET /notices", { query: noticeListQuerySchema }, async ({ query }) =>
  ok(await listNotices(client, table, query, new Date()), { "cache-control": "public, max-age=60" }),
);
