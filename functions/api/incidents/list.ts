import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";
import { incidentQuerySchema } from "#shared/schemas/incidents.ts";
import { listIncidents } from "#shared/workflow/operator.ts";

const deps = { client: documentClient(), tableName: tableName(), cursors: cursorsFromEnv() };

/** GET /incidents: the operator view (异常案件), a township's open incidents, oldest first. */
export const handler = httpRoute("GET /incidents", { query: incidentQuerySchema }, async ({ query, actor }) =>
  ok(await listIncidents(deps, actor, query)),
);
