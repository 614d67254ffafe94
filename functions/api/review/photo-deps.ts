/** Clients of the site-visit photo handlers: the documents' (table + bucket), built once per container. */
import { siteVisitDeps } from "#shared/review/site-visits.ts";
import { documentsDeps } from "../documents/deps.ts";

export const siteVisitPhotoDeps = siteVisitDeps(documentsDeps);
