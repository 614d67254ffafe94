import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { csvResult } from "#shared/audit/csv.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { Register } from "#shared/register/register.ts";
import { registerExportQuerySchema } from "#shared/register/schemas.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const register = new Register(documentClient(), tableName(), cursorsFromEnv());

/** GET /register.csv: the county filing (备案) export of the register; `x-next-cursor` continues it. */
export const handler = httpRoute(
  "GET /register.csv",
  { query: registerExportQuerySchema },
  async ({ query, event, actor }) => {
    const { csv, page } = await register.export(auditRequestOf(event, actor), query);
    return csvResult(
      csv,
      `register-${page.township}.csv`,
      page.nextCursor ? { "x-next-cursor": page.nextCursor } : {},
    );
  },
);
