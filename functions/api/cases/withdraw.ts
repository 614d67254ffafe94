import { actorOf } from "#shared/auth/actor.ts";
import { getMyCase, withdrawCase } from "#shared/cases/villager.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy, sfnClient } from "#shared/runtime.ts";
import { caseIdPath, withdrawBody } from "#shared/schemas/requests.ts";

const deps = { store: caseStore(), policy: countyPolicy(), sfn: sfnClient() };

/** POST /cases/{caseId}/withdraw: before approval only; stops the workflow. */
export const handler = httpRoute(
  "POST /cases/{caseId}/withdraw",
  { path: caseIdPath, body: withdrawBody },
  async ({ path, body, event }) => {
    const actor = actorOf(event);
    await withdrawCase(deps, actor, path.caseId, body.reason);
    return ok(await getMyCase(deps, actor, path.caseId));
  },
);
