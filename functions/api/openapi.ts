import { httpRoute, ok } from "#shared/http/handler.ts";
import { ROUTES } from "#shared/http/routes.ts";
import { buildOpenApiDocument } from "#shared/openapi/document.ts";

/**
 * GET /openapi.json (public): the OpenAPI 3.1 document of this API, generated
 * once per container from the route table (a pure data module) and the zod schemas.
 */
const { document } = buildOpenApiDocument(ROUTES);

export const handler = httpRoute("GET /openapi.json", {}, async () =>
  ok(document, { "cache-control": "public, max-age=300" }),
);
