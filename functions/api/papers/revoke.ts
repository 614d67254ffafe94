import { httpRoute, ok } from "#shared/http/handler.ts";
import { revokeCertificate } from "#shared/papers/certificate-changes.ts";
import { certificateChangeSchema, certificatePath } from "#shared/papers/schemas.ts";
import { caseStore, now, tableName } from "#shared/runtime.ts";

/** The case and the certificate's record only (its route grants no bucket). */
const deps = { cases: caseStore(), tableName: tableName(), now };

/** POST /cases/{caseId}/certificates/{number}/revoke: township head or county admin; an audited event. */
export const handler = httpRoute(
  "POST /cases/{caseId}/certificates/{number}/revoke",
  { path: certificatePath, body: certificateChangeSchema },
  async ({ path, body, actor }) =>
    ok(await revokeCertificate(deps, actor, path.caseId, path.number, body.reason)),
);
