import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { bucketEnv, readConfig, tableEnv } from "#shared/config.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { registerPdfLink } from "#shared/papers/register-paper.ts";
import { Register } from "#shared/register/register.ts";
import { registerExportQuerySchema } from "#shared/register/schemas.ts";
import { countyPolicy } from "#shared/runtime.ts";

const config = readConfig(tableEnv.extend(bucketEnv.shape));
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const register = new Register(client, config.TABLE_NAME, cursorsFromEnv());
const deps = {
  client,
  tableName: config.TABLE_NAME,
  s3: new S3Client({}),
  bucketName: config.BUCKET_NAME,
  now: () => new Date(),
};

/** GET /register.pdf: the register page as a printable PDF (a short-lived link), beside /register.csv. */
export const handler = httpRoute(
  "GET /register.pdf",
  { query: registerExportQuerySchema },
  async ({ query, event }) => {
    const page = await register.list(auditRequestOf(event), query);
    const filter = [query.status ?? "全部状态 all statuses", query.from, query.to]
      .filter(Boolean)
      .join(" · ");
    const link = await registerPdfLink(deps, page, countyPolicy(), filter);
    return ok({ ...link, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  },
);
