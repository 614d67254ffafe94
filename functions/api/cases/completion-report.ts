import * as z from "zod";
import { actorOf } from "#shared/auth/actor.ts";
import { completionReportInputSchema, reportCompletion } from "#shared/cases/completion-report.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { reviewDeps } from "#shared/review/deps.ts";
import { deliveryResult } from "#shared/review/responses.ts";

const deps = reviewDeps();

/** POST /cases/{caseId}/completion-report: the house is built; the completion inspection opens. */
export const handler = httpRoute(
  "POST /cases/{caseId}/completion-report",
  { path: z.object({ caseId: z.string().min(1).max(100) }), body: completionReportInputSchema },
  async ({ event, path, body }) =>
    deliveryResult(await reportCompletion(deps, actorOf(event), path.caseId, body)),
);
