import { actorOf } from "#shared/auth/actor.ts";
import { confirmUpload } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentPath, documentsDeps } from "./deps.ts";

/** POST /cases/{caseId}/documents/{documentId}/confirm: verify the uploaded bytes; 422 when they differ. */
export const handler = httpRoute(
  "POST /cases/{caseId}/documents/{documentId}/confirm",
  { path: documentPath },
  async ({ path, event }) =>
    ok(await confirmUpload(documentsDeps, actorOf(event), path.caseId, path.documentId)),
);
