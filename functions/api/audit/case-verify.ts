import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AuditService, auditRequestOf } from "#shared/audit/audit-service.ts";
import { caseIdPathSchema } from "#shared/audit/schemas.ts";
import { readConfig, tableEnv } from "#shared/config.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";

const config = readConfig(tableEnv);
const audit = new AuditService(DynamoDBDocumentClient.from(new DynamoDBClient({})), config.TABLE_NAME);

/** GET /audit/cases/{caseId}/verify: the first broken link of the case's chain, or its head when intact. */
export const handler = httpRoute(
  "GET /audit/cases/{caseId}/verify",
  { path: caseIdPathSchema },
  async ({ path, event }) => ok(await audit.verifyCase(auditRequestOf(event), path.caseId)),
);
