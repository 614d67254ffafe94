import { getMyCase } from "#shared/cases/villager.ts";
import { withdrawCase } from "#shared/cases/withdraw.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy, sfnClient } from "#shared/runtime.ts";
import { caseIdPath, withdrawBody } from "#shared/schemas/requests.ts";

const deps = { store: caseStore(), policy: countyPolicy(), sfn: sfnClient() };

/**
 * POST /cases/{caseId}/withdraw: before approval only; stops the workflow. 200 with the withdrawn
 * case once the withdrawal is committed, and `workflow`: "stopped", or "stopping" when the run
 * could not be stopped now (an operator incident; the run also ends at its next task).
 */
export const handler = httpRoute(
  "POST /cases/{caseId}/withdraw",
  { path: caseIdPath, body: withdrawBody },
  async ({ path, body, actor }) => {
    const { workflow } = await withdrawCase(deps, actor, path.caseId, body.reason);
    return ok({ ...(await getMyCase(deps, actor, path.caseId)), workflow });
  },
);
