import { httpRoute, ok } from "#shared/http/handler.ts";
import { getCorrection } from "#shared/review/correction.ts";
import { reviewDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = reviewDeps();

/** GET /cases/{caseId}/correction: what the reviewers asked the household to correct. */
export const handler = httpRoute(
  "GET /cases/{caseId}/correction",
  { path: caseIdPath },
  async ({ path, actor }) => ok(await getCorrection(deps, actor, path.caseId)),
);
