import { httpRoute } from "#shared/http/handler.ts";
import { redriveStep } from "#shared/review/decide.ts";
import { deliveryResult } from "#shared/review/responses.ts";
import { reviewDeps } from "#shared/runtime.ts";
import { stepPath } from "#shared/schemas/requests.ts";

const deps = reviewDeps();

/** POST /review/cases/{caseId}/steps/{stepId}/redrive: re-sends a stored decision the workflow never got. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/redrive",
  { path: stepPath },
  async ({ path, actor }) => deliveryResult(await redriveStep(deps, actor, path.caseId, path.stepId)),
);
