import { completionReportInputSchema, reportCompletion } from "#shared/cases/completion-report.ts";
import { httpRoute } from "#shared/http/handler.ts";
import { deliveryResult } from "#shared/review/responses.ts";
import { reviewDeps } from "#shared/runtime.ts";
import { caseIdPath } from "#shared/schemas/requests.ts";

const deps = reviewDeps();

/** POST /cases/{caseId}/completion-report: the house is built; the completion inspection opens. */
export const handler = httpRoute(
  "POST /cases/{caseId}/completion-report",
  { path: caseIdPath, body: completionReportInputSchema },
  async ({ path, body, actor }) => deliveryResult(await reportCompletion(deps, actor, path.caseId, body)),
);
