import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { registerPdfLink } from "#shared/papers/register-paper.ts";
import { Register } from "#shared/register/register.ts";
import { registerExportQuerySchema } from "#shared/register/schemas.ts";
import { bucketName, countyPolicy, documentClient, s3Client, tableName } from "#shared/runtime.ts";

const register = new Register(documentClient(), tableName(), cursorsFromEnv());
const deps = {
  client: documentClient(),
  tableName: tableName(),
  s3: s3Client(),
  bucketName: bucketName(),
  now: () => new Date(),
};

/** GET /register.pdf: the register page as a printable PDF (a short-lived link), beside /register.csv. */
export const handler = httpRoute(
  "GET /register.pdf",
  { query: registerExportQuerySchema },
  async ({ query, event, actor }) => {
    const page = await register.list(auditRequestOf(event, actor), query);
    const filter = [query.status ?? "全部状态 all statuses", query.from, query.to]
      .filter(Boolean)
      .join(" · ");
    const link = await registerPdfLink(deps, page, countyPolicy(), filter);
    return ok({ ...link, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  },
);
