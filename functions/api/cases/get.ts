import { getMyCase } from "#shared/cases/villager.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy, documentClient, tableName } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";
import { ReferenceStore } from "#shared/store/reference-store.ts";

const deps = {
  store: caseStore(),
  policy: countyPolicy(),
  references: new ReferenceStore(documentClient(), tableName()),
};

/** GET /cases/{caseId}: the case with its timeline and what is expected of the household now. */
export const handler = httpRoute("GET /cases/{caseId}", { path: caseIdPath }, async ({ path, actor }) =>
  ok(await getMyCase(deps, actor, path.caseId)),
);
