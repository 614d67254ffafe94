/**
 * THE route table. The CDK stack creates one HTTP API route (and one Lambda per
 * handler file) from it, and the local HTTP API serves exactly the same table,
 * so a route cannot exist in one place and not the other.
 *
 * `access` says who may call the route: "public" routes carry no authorizer;
 * every other route will sit behind the JWT authorizer (identity issue) and
 * lists the roles allowed in the handler's policy check.
 * `uses` drives least privilege: the function construct binds only these.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type Resource = "table" | "bucket" | "workflow";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/cases/{caseId}`, greedy `{proxy+}`. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly handler: string;
  readonly access: "public" | "signed-in";
  readonly uses: readonly Resource[];
  readonly summary: string;
}

export const ROUTES: readonly RouteDefinition[] = [
  {
    method: "GET",
    path: "/health",
    handler: "functions/api/health.ts",
    access: "public",
    uses: ["table"],
    summary: "Liveness and a round trip to the case table",
  },
  {
    method: "GET",
    path: "/me",
    handler: "functions/api/me.ts",
    access: "signed-in",
    uses: [],
    summary: "The signed-in caller as the API sees them: role, department, townships, village, household",
  },
];

/** API Gateway's route key: "GET /cases/{caseId}". */
export function routeKey(route: Pick<RouteDefinition, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
