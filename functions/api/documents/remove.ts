import { actorOf } from "#shared/auth/actor.ts";
import { listDocuments, removeDocument } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentPath, documentsDeps } from "./deps.ts";

/** DELETE /cases/{caseId}/documents/{documentId}: the household removes one of its documents; answers the rest. */
export const handler = httpRoute(
  "DELETE /cases/{caseId}/documents/{documentId}",
  { path: documentPath },
  async ({ path, event }) => {
    const actor = actorOf(event);
    await removeDocument(documentsDeps, actor, path.caseId, path.documentId);
    return ok(await listDocuments(documentsDeps, actor, path.caseId));
  },
);
