import { created, httpRoute } from "#shared/http/handler.ts";
import { requestSiteVisitPhoto, siteVisitDeps } from "#shared/review/site-visits.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { photoUploadRequestSchema, stepPath } from "#shared/schemas/requests.ts";

// The documents' table + bucket, and the step the photo belongs to.
const deps = siteVisitDeps(documentsDeps());

/** POST /review/cases/{caseId}/steps/{stepId}/photos: a presigned PUT for one site-visit photo. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/photos",
  {
    path: stepPath,
    body: photoUploadRequestSchema,
  },
  async ({ path, body, actor }) =>
    created(await requestSiteVisitPhoto(deps, actor, path.caseId, path.stepId, body)),
);
