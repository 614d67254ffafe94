import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { caseIdPathSchema } from "#shared/audit/schemas.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const audit = new AuditService(documentClient(), tableName());

/** GET /audit/cases/{caseId}/events: the case's full history, ordered by seq, with its chain checked. */
export const handler = httpRoute(
  "GET /audit/cases/{caseId}/events",
  { path: caseIdPathSchema },
  async ({ path, event, actor }) => ok(await audit.caseHistory(auditRequestOf(event, actor), path.caseId)),
);
