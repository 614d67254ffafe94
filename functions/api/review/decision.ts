import { httpRoute } from "#shared/http/handler.ts";
import { decideStep } from "#shared/review/decide.ts";
import { deliveryResult } from "#shared/review/responses.ts";
import { decisionInputSchema } from "#shared/review/rules.ts";
import { reviewDeps } from "#shared/runtime.ts";
import { stepPath } from "#shared/schemas/requests.ts";

const deps = reviewDeps();

/** POST /review/cases/{caseId}/steps/{stepId}/decision: one decision per step wins; the rest get 409. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/decision",
  {
    path: stepPath,
    body: decisionInputSchema,
  },
  async ({ path, body, actor }) =>
    deliveryResult(await decideStep(deps, actor, path.caseId, path.stepId, body)),
);
