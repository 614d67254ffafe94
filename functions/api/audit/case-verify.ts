import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { caseIdPathSchema } from "#shared/audit/schemas.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const audit = new AuditService(documentClient(), tableName());

/** GET /audit/cases/{caseId}/verify: the first broken link of the case's chain, or its head when intact. */
export const handler = httpRoute(
  "GET /audit/cases/{caseId}/verify",
  { path: caseIdPathSchema },
  async ({ path, event, actor }) => ok(await audit.verifyCase(auditRequestOf(event, actor), path.caseId)),
);
