import { listDocuments, removeDocument } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { documentPath } from "#shared/schemas/requests.ts";

const deps = documentsDeps();

/** DELETE /cases/{caseId}/documents/{documentId}: the household removes one of its documents; answers the rest. */
export const handler = httpRoute(
  "DELETE /cases/{caseId}/documents/{documentId}",
  { path: documentPath },
  async ({ path, actor }) => {
    await removeDocument(deps, actor, path.caseId, path.documentId);
    return ok(await listDocuments(deps, actor, path.caseId));
  },
);
