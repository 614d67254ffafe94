import * as z from "zod";
import { sendClaimCode } from "#shared/assisted/on-behalf.ts";
import { isMainlandMobile } from "#shared/domain/phone.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { onBehalfDeps } from "#shared/runtime.ts";

const deps = onBehalfDeps();

/** POST /claims/code: a villager asks for a code to the head's phone to claim cases filed on their behalf. */
export const handler = httpRoute(
  "POST /claims/code",
  { body: z.strictObject({ phone: z.string().trim().refine(isMainlandMobile) }) },
  async ({ body, actor }) => ({
    statusCode: 202,
    body: await sendClaimCode(deps, actor, body.phone),
  }),
);
