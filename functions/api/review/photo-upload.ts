import { actorOf } from "#shared/auth/actor.ts";
import { created, httpRoute } from "#shared/http/handler.ts";
import { requestSiteVisitPhoto } from "#shared/review/site-visits.ts";
import { photoUploadRequestSchema, stepPath } from "#shared/schemas/requests.ts";
import { siteVisitPhotoDeps } from "./photo-deps.ts";

/** POST /review/cases/{caseId}/steps/{stepId}/photos: a presigned PUT for one site-visit photo. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/photos",
  {
    path: stepPath,
    body: photoUploadRequestSchema,
  },
  async ({ event, path, body }) =>
    created(await requestSiteVisitPhoto(siteVisitPhotoDeps, actorOf(event), path.caseId, path.stepId, body)),
);
