import * as z from "zod";
import { createCase, getMyCase } from "#shared/cases/villager.ts";
import { created, httpRoute } from "#shared/http/handler.ts";
import { caseStore, countyPolicy } from "#shared/runtime.ts";
import { caseKindSchema } from "#shared/schemas/common.ts";

const deps = { store: caseStore(), policy: countyPolicy() };

/** POST /cases: a villager starts a draft application of one kind. */
export const handler = httpRoute(
  "POST /cases",
  { body: z.strictObject({ kind: caseKindSchema }) },
  async ({ body, actor }) => {
    const record = await createCase(deps, actor, body.kind);
    return created(await getMyCase(deps, actor, record.caseId), { location: `/cases/${record.caseId}` });
  },
);
