import { auditRequestOf } from "#shared/audit/audit-service.ts";
import { cursorsFromEnv } from "#shared/http/cursor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { Register } from "#shared/register/register.ts";
import { registerQuerySchema } from "#shared/register/schemas.ts";
import { documentClient, tableName } from "#shared/runtime.ts";

const register = new Register(documentClient(), tableName(), cursorsFromEnv());

/** GET /register: a township's cases by status with their key dates, newest change first. */
export const handler = httpRoute(
  "GET /register",
  { query: registerQuerySchema },
  async ({ query, event, actor }) => ok(await register.list(auditRequestOf(event, actor), query)),
);
