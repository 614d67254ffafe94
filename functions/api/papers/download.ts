import { httpRoute, ok } from "#shared/http/handler.ts";
import { paperKindSchema } from "#shared/papers/schemas.ts";
import { downloadPaper } from "#shared/papers/service.ts";
import { papersDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = papersDeps();

/** GET /cases/{caseId}/papers/{paper}: a short-lived link to the case's PDF (filed once on first request). */
export const handler = httpRoute(
  "GET /cases/{caseId}/papers/{paper}",
  { path: caseIdPath.extend({ paper: paperKindSchema }) },
  async ({ path, actor }) => ok(await downloadPaper(deps, actor, path.caseId, path.paper)),
);
