/**
 * The error answers of the API as the OpenAPI document publishes them, from
 * the error catalogue (shared/http/error-catalogue.ts): per operation and
 * status, the body `{"error":{"code","message","zh","details"?}}` with exactly
 * the codes the route can give (`ROUTE_ERRORS`), and API Gateway's own
 * `{"message"}` answers beside them (`GATEWAY_ERRORS`: an undecodable path,
 * no valid token, a body over 10 MB, a function that failed).
 * test/support/contract.ts fails an integration test whose response carries a
 * code (or a status) the operation does not publish.
 */
import type { RouteConfig } from "@asteasolutions/zod-to-openapi";
import * as z from "zod";
import { ERROR_CATALOGUE, type ErrorCode, type GATEWAY_ERRORS } from "../http/error-catalogue.ts";
import { ROUTE_ERRORS, routeErrorStatuses } from "../http/route-errors.ts";

/** API Gateway's own answers: `{"message":"Unauthorized"}` and the like. */
export const gatewayErrorSchema = z
  .strictObject({ message: z.string() })
  .meta({ id: "GatewayError", description: "An answer of API Gateway itself, before any function runs" });

/** The handlers' error body, its `code` one of `codes`. */
export function errorBodySchema(codes: readonly ErrorCode[]) {
  const [first, ...rest] = codes;
  const code = first === undefined ? z.string() : z.enum([first, ...rest]);
  return z.strictObject({
    error: z.strictObject({
      code: code.meta({ description: "Stable snake_case code (the error catalogue); clients branch on it" }),
      message: z.string().meta({ description: "English" }),
      zh: z.string().meta({ description: "中文" }),
      details: z.unknown().optional(),
    }),
  });
}

export interface OperationTraits {
  readonly signedIn: boolean;
  readonly hasPathParameters: boolean;
  readonly hasBody: boolean;
}

const GATEWAY_WHEN: Readonly<Record<keyof typeof GATEWAY_ERRORS, string>> = {
  400: "API Gateway: a path it cannot decode (`%ZZ`, broken UTF-8)",
  401: "API Gateway's JWT authorizer: no valid bearer token",
  404: "API Gateway: no route",
  413: "API Gateway: a body over 10 MB",
  500: "API Gateway: the function failed or timed out",
};

/** The statuses API Gateway itself may answer for an operation with these traits. */
function gatewayStatuses(traits: OperationTraits): (keyof typeof GATEWAY_ERRORS)[] {
  return [
    ...(traits.hasPathParameters ? ([400] as const) : []),
    ...(traits.signedIn ? ([401] as const) : []),
    ...(traits.hasBody ? ([413] as const) : []),
    500 as const,
  ];
}

/** True when the catalogue lists the route's errors (a route without is not completely documented). */
export const hasRouteErrors = (routeKey: string): boolean => Object.hasOwn(ROUTE_ERRORS, routeKey);

/** Every error response of one operation: its catalogue codes per status, API Gateway's answers beside them. */
export function errorResponses(
  routeKey: string,
  traits: OperationTraits,
): NonNullable<RouteConfig["responses"]> {
  const byStatus = routeErrorStatuses(routeKey);
  const gateway = new Set<number>(gatewayStatuses(traits));
  const statuses = [...new Set([...byStatus.keys(), ...gateway])].sort((a, b) => a - b);
  const responses: NonNullable<RouteConfig["responses"]> = {};
  for (const status of statuses) {
    const codes = byStatus.get(status);
    const fromGateway = gateway.has(status);
    const lines = [
      ...(codes ?? []).map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].when}`),
      ...(fromGateway ? [GATEWAY_WHEN[status as keyof typeof GATEWAY_ERRORS]] : []),
    ];
    const schema =
      codes && fromGateway
        ? z.union([errorBodySchema(codes), gatewayErrorSchema])
        : codes
          ? errorBodySchema(codes)
          : gatewayErrorSchema;
    responses[status] = { description: lines.join("; "), content: { "application/json": { schema } } };
  }
  return responses;
}
