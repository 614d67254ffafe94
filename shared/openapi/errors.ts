/**
 * The error answers of the API as the OpenAPI document publishes them: the
 * body `{"error":{"code","message","zh","details"?}}` (shared/http/handler.ts)
 * with, per operation and status, the `code`s that operation can give, and
 * API Gateway's own `{"message"}` answers (authorizer 401, payload 413, 500).
 *
 * The codes every operation of a kind shares are added by the document
 * builder (`commonErrors`); operation-specific ones are listed in
 * ./operations.ts. test/support/contract.ts fails an integration test whose
 * response carries a code (or a status) the operation does not publish.
 */
import * as z from "zod";

/** Statuses an error answer of this API may have. */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422, 500] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/** Per status, the stable codes an operation may answer with. */
export type ErrorCodes = Partial<Readonly<Record<ErrorStatus, readonly string[]>>>;

export const ERROR_DESCRIPTIONS: Readonly<Record<ErrorStatus, string>> = {
  400: "The request is invalid (field problems in `error.details.problems`)",
  401: "No valid bearer token (API Gateway's JWT authorizer), or a staff sign-in without multi-factor evidence",
  403: "The caller's role or jurisdiction does not allow this",
  404: "No such resource (or not visible to the caller)",
  409: "The resource's current state does not allow this (or another request changed it first)",
  413: "The request body is larger than API Gateway accepts (10 MiB)",
  415: "The body is not JSON (`content-type: application/json` required)",
  422: "Well-formed but not acceptable (the body is not valid JSON, or a rule refuses it: see `error.details`)",
  500: "Internal error (details are never exposed)",
};

/** API Gateway's own answers: `{"message":"Unauthorized"}` and the like. */
export const gatewayErrorSchema = z
  .strictObject({ message: z.string() })
  .meta({ id: "GatewayError", description: "An answer of API Gateway itself (authorizer, limits)" });

/**
 * The handlers' error body. `zh` is the message in Chinese; optional until the
 * error catalogue gives every error both languages (issue #13).
 */
export function errorBodySchema(codes: readonly string[]) {
  const [first, ...rest] = codes;
  const code = first === undefined ? z.string() : z.enum([first, ...rest]);
  return z.strictObject({
    error: z.strictObject({
      code: code.meta({ description: "Stable snake_case code; clients branch on it" }),
      message: z.string().meta({ description: "English" }),
      zh: z.string().meta({ description: "中文" }).optional(),
      details: z.unknown().optional(),
    }),
  });
}

export interface OperationTraits {
  readonly signedIn: boolean;
  readonly hasPathParameters: boolean;
  readonly hasQuery: boolean;
  readonly hasBody: boolean;
}

/**
 * The errors every operation with these traits can give, whatever it does:
 * input validation, the JSON body parser, the route's role check, 500.
 */
export function commonErrors(traits: OperationTraits): ErrorCodes {
  const validated = traits.hasPathParameters || traits.hasQuery || traits.hasBody;
  return {
    ...(validated ? { 400: ["validation_failed"] } : {}),
    ...(traits.signedIn
      ? { 401: ["unauthorized", "insufficient_user_authentication"], 403: ["forbidden"] }
      : {}),
    ...(traits.hasPathParameters ? { 404: ["not_found"] } : {}),
    // @middy/http-json-body-parser: 415 for another content type, 422 for a body that is not JSON.
    ...(traits.hasBody ? { 415: ["bad_request"], 422: ["bad_request"] } : {}),
    500: ["internal_error"],
  };
}

/** The union of two code tables, codes kept in first-seen order. */
export function mergeErrors(...tables: readonly ErrorCodes[]): ErrorCodes {
  const merged: Partial<Record<ErrorStatus, string[]>> = {};
  for (const table of tables) {
    for (const status of ERROR_STATUSES) {
      const codes = table[status];
      if (!codes) continue;
      const into = merged[status] ?? [];
      for (const code of codes) if (!into.includes(code)) into.push(code);
      merged[status] = into;
    }
  }
  return merged;
}
