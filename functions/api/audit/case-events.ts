import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { caseIdPathSchema } from "#shared/audit/schemas.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";

const config = readConfig(tableEnv);
const audit = new AuditService(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.TABLE_NAME);

/** GET /audit/cases/{caseId}/events: the case's full history, ordered by seq, with its chain checked. */
export const handler = httpRoute(
  "GET /audit/cases/{caseId}/events",
  { path: caseIdPathSchema },
  async ({ path, event }) => ok(await audit.caseHistory(auditRequestOf(event), path.caseId)),
);
