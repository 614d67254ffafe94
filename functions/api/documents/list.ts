import { actorOf } from "#shared/auth/actor.ts";
import { listDocuments } from "#shared/documents/use-cases.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { casePath, documentsDeps } from "./deps.ts";

/** GET /cases/{caseId}/documents: the case's documents with their status. */
export const handler = httpRoute(
  "GET /cases/{caseId}/documents",
  { path: casePath },
  async ({ path, event }) => ok(await listDocuments(documentsDeps, actorOf(event), path.caseId)),
);
