import { httpRoute } from "#shared/http/handler.ts";
import { correctionInputSchema, submitCorrection } from "#shared/review/correction.ts";
import { deliveryResult } from "#shared/review/responses.ts";
import { reviewDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = reviewDeps();

/** POST /cases/{caseId}/correction: corrected fields; the case resumes and the workflow continues. */
export const handler = httpRoute(
  "POST /cases/{caseId}/correction",
  { path: caseIdPath, body: correctionInputSchema },
  async ({ path, body, actor }) => {
    const result = await submitCorrection(deps, actor, path.caseId, body);
    return deliveryResult(result);
  },
);
