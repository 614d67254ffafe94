import * as z from "zod";
import { fileOnBehalf } from "#shared/assisted/on-behalf.ts";
import { getMyCase } from "#shared/cases/villager.ts";
import { created, httpRoute } from "#shared/http/handler.ts";
import { caseStore, countyPolicy, onBehalfDeps } from "#shared/runtime.ts";
import { caseKindSchema } from "#shared/schemas/common.ts";

const deps = onBehalfDeps();
const caseDeps = { store: caseStore(), policy: countyPolicy() };

/** POST /assisted/cases: a village officer or window clerk opens a draft on behalf of a household (代办). */
export const handler = httpRoute(
  "POST /assisted/cases",
  { body: z.strictObject({ kind: caseKindSchema, householdId: z.string().trim().min(1).max(60) }) },
  async ({ body, actor }) => {
    const record = await fileOnBehalf(deps, actor, body);
    return created(await getMyCase(caseDeps, actor, record.caseId), { location: `/cases/${record.caseId}` });
  },
);
