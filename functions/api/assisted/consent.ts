import * as z from "zod";
import { confirmConsent } from "#shared/assisted/on-behalf.ts";
import { getMyCase } from "#shared/cases/villager.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { caseStore, countyPolicy, onBehalfDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = onBehalfDeps();
const caseDeps = { store: caseStore(), policy: countyPolicy() };

/** POST /assisted/cases/{caseId}/consent: the head's code, read back by the filer; the consent is recorded. */
export const handler = httpRoute(
  "POST /assisted/cases/{caseId}/consent",
  {
    path: caseIdPath,
    body: z.strictObject({
      code: z
        .string()
        .trim()
        .regex(/^\d{6}$/),
    }),
  },
  async ({ path, body, actor }) => {
    await confirmConsent(deps, actor, path.caseId, body.code);
    return ok(await getMyCase(caseDeps, actor, path.caseId));
  },
);
