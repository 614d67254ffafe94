import { httpRoute, ok } from "#shared/http/handler.ts";
import { reissueCertificate } from "#shared/papers/certificate-changes.ts";
import { certificateChangeSchema, certificatePath } from "#shared/papers/schemas.ts";
import { papersDeps } from "#shared/runtime.ts";

const deps = papersDeps();

/** POST /cases/{caseId}/certificates/{number}/reissue: township head or county admin; an audited event. */
export const handler = httpRoute(
  "POST /cases/{caseId}/certificates/{number}/reissue",
  { path: certificatePath, body: certificateChangeSchema },
  async ({ path, body, actor }) =>
    ok(await reissueCertificate(deps, actor, path.caseId, path.number, body.reason)),
);
