import * as z from "zod";
import { actorOf } from "#shared/auth/actor.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { redriveStep } from "#shared/review/decide.ts";
import { reviewDeps } from "#shared/review/deps.ts";
import { deliveryResult } from "#shared/review/responses.ts";

const deps = reviewDeps();

/** POST /review/cases/{caseId}/steps/{stepId}/redrive: re-sends a stored decision the workflow never got. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/redrive",
  { path: z.object({ caseId: z.string().min(1).max(100), stepId: z.string().min(1).max(200) }) },
  async ({ event, path }) =>
    deliveryResult(await redriveStep(deps, actorOf(event), path.caseId, path.stepId)),
);
