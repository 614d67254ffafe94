import { requestUpload, uploadRequestSchema } from "#shared/documents/use-cases.ts";
import { created, httpRoute } from "#shared/http/handler.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = documentsDeps();

/** POST /cases/{caseId}/documents: a presigned PUT URL for one declared file (type, size, SHA-256). */
export const handler = httpRoute(
  "POST /cases/{caseId}/documents",
  { body: uploadRequestSchema, path: caseIdPath },
  async ({ body, path, actor }) => created(await requestUpload(deps, actor, path.caseId, body)),
);
