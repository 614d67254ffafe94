import { confirmUpload } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { documentPath } from "#shared/schemas/requests.ts";

const deps = documentsDeps();

/** POST /cases/{caseId}/documents/{documentId}/confirm: verify the uploaded bytes; 422 when they differ. */
export const handler = httpRoute(
  "POST /cases/{caseId}/documents/{documentId}/confirm",
  { path: documentPath },
  async ({ path, actor }) => ok(await confirmUpload(deps, actor, path.caseId, path.documentId)),
);
