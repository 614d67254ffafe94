import { listMyCases } from "#shared/cases/villager.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy } from "#shared/runtime.ts";
import type { CaseList } from "#shared/schemas/responses.ts";

const deps = { store: caseStore(), policy: countyPolicy() };

/** GET /cases: the signed-in villager's household's cases. */
export const handler = httpRoute("GET /cases", {}, async ({ actor }) =>
  ok({ cases: await listMyCases(deps, actor) } satisfies CaseList),
);
