import { listDocuments } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = documentsDeps();

/** GET /cases/{caseId}/documents: the case's documents with their status. */
export const handler = httpRoute(
  "GET /cases/{caseId}/documents",
  { path: caseIdPath },
  async ({ path, actor }) => ok(await listDocuments(deps, actor, path.caseId)),
);
