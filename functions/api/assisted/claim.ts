import * as z from "zod";
import { claimCases } from "#shared/assisted/on-behalf.ts";
import { summaryOf } from "#shared/cases/villager.ts";
import { isMainlandMobile } from "#shared/domain/phone.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { onBehalfDeps } from "#shared/runtime.ts";

const deps = onBehalfDeps();

/** POST /claims: with the code, the villager becomes the owner of the household's cases filed on behalf. */
export const handler = httpRoute(
  "POST /claims",
  {
    body: z.strictObject({
      phone: z.string().trim().refine(isMainlandMobile),
      code: z
        .string()
        .trim()
        .regex(/^\d{6}$/),
    }),
  },
  async ({ body, actor }) => {
    const claimed = await claimCases(deps, actor, body.phone, body.code);
    return ok({ claimed: claimed.map(summaryOf) });
  },
);
