import { httpRoute, ok } from "#shared/http/handler.ts";
import { confirmSiteVisitPhoto, siteVisitDeps } from "#shared/review/site-visits.ts";
import { documentsDeps } from "#shared/runtime.ts";
import { photoPath } from "#shared/schemas/requests.ts";

// The documents' table + bucket, and the step the photo belongs to.
const deps = siteVisitDeps(documentsDeps());

/** POST …/photos/{photoId}/confirm: verify the photo's bytes; 422 (and deleted) when they differ. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm",
  {
    path: photoPath,
  },
  async ({ path, actor }) =>
    ok(await confirmSiteVisitPhoto(deps, actor, path.caseId, path.stepId, path.photoId)),
);
