import { httpRoute, ok } from "#shared/http/handler.ts";
import { noticeIdPath } from "#shared/notices/notice.ts";
import { getPublicNotice } from "#shared/notices/notices.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const client = documentClient();
const table = tableName();

/** GET /notices/{noticeId}: public. One published notice: masked name, plot, areas, dates, open or not. */
export const handler = httpRoute("GET /notices/{noticeId}", { path: noticeIdPath }, async ({ path }) =>
  ok(await getPublicNotice(client, table, path.noticeId, new Date()), {
    "cache-control": "public, max-age=60",
  }),
);
