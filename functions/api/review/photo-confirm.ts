import { actorOf } from "#shared/auth/actor.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { confirmSiteVisitPhoto } from "#shared/review/site-visits.ts";
import { photoPath } from "#shared/schemas/requests.ts";
import { siteVisitPhotoDeps } from "./photo-deps.ts";

/** POST …/photos/{photoId}/confirm: verify the photo's bytes; 422 (and deleted) when they differ. */
export const handler = httpRoute(
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm",
  {
    path: photoPath,
  },
  async ({ event, path }) =>
    ok(
      await confirmSiteVisitPhoto(siteVisitPhotoDeps, actorOf(event), path.caseId, path.stepId, path.photoId),
    ),
);
