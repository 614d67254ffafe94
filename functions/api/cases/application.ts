import { getMyCase, saveApplication } from "#shared/cases/villager.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy } from "#shared/runtime.ts";
import { applicationDraftSchema } from "#shared/schemas/application.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = { store: caseStore(), policy: countyPolicy() };

/**
 * PUT /cases/{caseId}/application: autosave of the form. The draft schema is
 * strict, so server-owned fields (status, steps, owner…) cannot be sent.
 */
export const handler = httpRoute(
  "PUT /cases/{caseId}/application",
  { path: caseIdPath, body: applicationDraftSchema },
  async ({ path, body, actor }) => {
    await saveApplication(deps, actor, path.caseId, body);
    return ok(await getMyCase(deps, actor, path.caseId));
  },
);
