/**
 * The OpenAPI 3.1 document, generated from the zod schemas by
 * @asteasolutions/zod-to-openapi, one operation per row of the route table.
 *
 * The route table is passed in (functions/api/openapi.ts hands over
 * shared/http/routes.ts), so tests can document a smaller table. A route without an
 * operation in OPERATIONS is still listed (marked `x-undocumented`) and
 * reported in `missing`; test/unit/openapi.test.ts fails on it.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import * as z from "zod";
import { errorResponses, hasRouteErrors } from "./errors.ts";
import { OPERATIONS, type OperationSpec } from "./operations.ts";

/** The parts of a route table row the document needs (structurally shared/http/routes.ts's RouteDefinition). */
export interface DocumentedRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly access: "public" | "signed-in";
  readonly summary: string;
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

export interface GeneratedDocument {
  readonly document: OpenApiDocument;
  /** Route keys with no operation in OPERATIONS. */
  readonly missing: readonly string[];
  /** Route keys whose operation does not describe what it answers (see `incompleteOperations`). */
  readonly incomplete: readonly string[];
  /** Operations for route keys the table no longer has. */
  readonly stale: readonly string[];
}

export const BEARER_SCHEME = "bearerAuth";

const keyOf = (route: Pick<DocumentedRoute, "method" | "path">) => `${route.method} ${route.path}`;

/** `{proxy+}` (API Gateway's greedy parameter) is `{proxy}` in OpenAPI. */
const openApiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, "{$1}");
const pathParameters = (path: string) => [...path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1] ?? "");

function placeholder(route: DocumentedRoute): OperationSpec {
  return {
    operationId: `undocumented_${route.method.toLowerCase()}_${route.path.replace(/\W+/g, "_")}`,
    tags: ["undocumented"],
    responses: { 200: { description: "Not yet documented" } },
  };
}

export function buildOpenApiDocument(
  routes: readonly DocumentedRoute[],
  operations: Readonly<Record<string, OperationSpec>> = OPERATIONS,
  info: { readonly version: string; readonly serverUrl?: string } = { version: "0.1.0" },
): GeneratedDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from the identity provider (Cognito or the provincial OIDC issuer)",
  });

  const missing: string[] = [];
  for (const route of routes) {
    const key = keyOf(route);
    const known = operations[key];
    if (!known) missing.push(key);
    const spec = known ?? placeholder(route);
    const names = pathParameters(route.path);
    const request: RouteConfig["request"] = { ...spec.request };
    if (names.length > 0 && !request.params) {
      request.params = z.object(Object.fromEntries(names.map((name) => [name, z.string()])));
    }
    const signedIn = route.access !== "public";
    const hasBody = request.body !== undefined;
    registry.registerPath({
      method: route.method.toLowerCase() as RouteConfig["method"],
      path: openApiPath(route.path),
      operationId: spec.operationId,
      summary: route.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [...spec.tags],
      security: signedIn ? [{ [BEARER_SCHEME]: [] }] : [],
      ...(known ? {} : { "x-undocumented": true }),
      request,
      // An operation's own answer for a status (e.g. an HTML 404) wins over the generated error body.
      responses: {
        ...errorResponses(key, { signedIn, hasPathParameters: names.length > 0, hasBody }),
        ...spec.responses,
      },
    });
  }
  const routeKeys = new Set(routes.map(keyOf));
  const stale = Object.keys(operations).filter((key) => !routeKeys.has(key));

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Nongfang 农房 API",
      version: info.version,
      description:
        "Rural homestead and farmhouse permits: applications, joint review, register (台账), filing (备案) and audit.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
  });
  return { document, missing, stale, incomplete: incompleteOperations(document, routes) };
}

interface SchemaLike {
  readonly $ref?: string;
  readonly type?: unknown;
  readonly properties?: unknown;
  readonly anyOf?: unknown;
  readonly oneOf?: unknown;
  readonly allOf?: unknown;
  readonly items?: unknown;
}

/** A schema that says nothing of the body's shape (`{}`, or an object of anything). */
function isGeneric(schema: SchemaLike | undefined): boolean {
  if (!schema) return true;
  if (schema.$ref || schema.properties || schema.anyOf || schema.oneOf || schema.allOf || schema.items)
    return false;
  return schema.type === undefined || schema.type === "object";
}

/**
 * Route keys whose operation is not complete: undocumented, without its
 * errors in the catalogue (`ROUTE_ERRORS`), without a success response, or
 * with a response whose body has no schema or a generic one. Every route of the table must be complete
 * (test/unit/openapi.test.ts), so a new route cannot land undocumented.
 */
export function incompleteOperations(
  document: OpenApiDocument,
  routes: readonly DocumentedRoute[],
): string[] {
  const incomplete: string[] = [];
  for (const route of routes) {
    const item = document.paths?.[openApiPath(route.path)] as Record<string, unknown> | undefined;
    const operation = item?.[route.method.toLowerCase()] as
      | {
          readonly "x-undocumented"?: boolean;
          readonly responses?: Record<string, { content?: Record<string, { schema?: SchemaLike }> }>;
        }
      | undefined;
    const responses = Object.entries(operation?.responses ?? {});
    const complete =
      operation !== undefined &&
      hasRouteErrors(keyOf(route)) &&
      operation["x-undocumented"] !== true &&
      responses.some(([status]) => /^2\d\d$/.test(status)) &&
      responses.every(
        ([status, response]) =>
          status === "204" ||
          (response.content !== undefined &&
            Object.keys(response.content).length > 0 &&
            Object.values(response.content).every((media) => !isGeneric(media.schema))),
      );
    if (!complete) incomplete.push(keyOf(route));
  }
  return incomplete;
}
