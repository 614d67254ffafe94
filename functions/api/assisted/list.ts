import { filedListQuerySchema, listFiledCases } from "#shared/assisted/filed-list.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName(), cursors: cursorsFromEnv() };

/** GET /assisted/cases: the cases filed on behalf in my village or township (代办), newest first. */
export const handler = httpRoute(
  "GET /assisted/cases",
  { query: filedListQuerySchema },
  async ({ query, actor }) => ok(await listFiledCases(deps, actor, query)),
);
