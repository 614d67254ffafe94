import { httpRoute, ok } from "#shared/http/handler.ts";
import { getAdminImport, importIdPathSchema } from "#shared/reference/import/admin-import.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const deps = { client: documentClient(), tableName: tableName() };

/** GET /admin/imports/{importId}: an admin import's progress (status, line reached, counts) or result. */
export const handler = httpRoute(
  "GET /admin/imports/{importId}",
  { path: importIdPathSchema },
  async ({ path, actor }) => ok(await getAdminImport(deps, actor, path.importId)),
);
