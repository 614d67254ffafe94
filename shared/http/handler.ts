import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type * as z from "zod";
import { type Actor, actorOf } from "../auth/actor.ts";
import { policyFor, type RoutePolicy, roleAllowed } from "../auth/policy.ts";
import { logger } from "../logger.ts";
import { errorBody } from "./error-catalogue.ts";
import { errorAnswer } from "./error-mapping.ts";
import { type FieldProblem, ForbiddenError, ValidationFailedError } from "./errors.ts";

/** What a route's use-case function gets: already parsed and validated input. */
export interface RouteInput<TBody, TPath, TQuery> {
  readonly body: TBody;
  readonly path: TPath;
  readonly query: TQuery;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly event: APIGatewayProxyEventV2;
  /**
   * The caller, parsed once from the authorizer's claims by the authorization
   * middleware. Public routes have none: reading it there is a programming
   * error (a 500), never an anonymous actor.
   */
  readonly actor: Actor;
  /** The route's row of the policy table (shared/auth/policy.ts): scope and personal-data rule. */
  readonly policy: RoutePolicy;
}

export interface RouteSchemas<TBody extends z.ZodType, TPath extends z.ZodType, TQuery extends z.ZodType> {
  readonly body?: TBody;
  readonly path?: TPath;
  readonly query?: TQuery;
  /** Extra middlewares (e.g. idempotency), run after the input is validated and before the use case. */
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

const WHERE_ZH: Readonly<Record<string, string>> = { body: "内容", path: "路径参数", query: "查询参数" };

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** A text body sent as is instead of JSON (an HTML page); `headers` must set its content-type. */
  readonly text?: string;
}

export type HttpLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export const ok = (body: unknown, headers?: Record<string, string>): HttpResult => ({
  statusCode: 200,
  body,
  ...(headers ? { headers } : {}),
});
export const created = (body: unknown, headers?: Record<string, string>): HttpResult => ({
  statusCode: 201,
  body,
  ...(headers ? { headers } : {}),
});

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function toResponse(result: HttpResult): APIGatewayProxyStructuredResultV2 {
  if (result.text !== undefined) {
    return {
      statusCode: result.statusCode,
      headers: { ...JSON_HEADERS, ...result.headers },
      body: result.text,
    };
  }
  return {
    statusCode: result.statusCode,
    headers: { ...JSON_HEADERS, ...result.headers },
    ...(result.body === undefined ? {} : { body: JSON.stringify(result.body) }),
  };
}

function problemsOf(where: string, error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    code: issue.code,
    en: issue.message,
  }));
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly where: string };

/**
 * Parses one part of the request, adding its problems to `problems`. All three
 * parts are checked before answering, so a bad path parameter is reported even
 * when the body is bad too (the same id gets the same answer on every route).
 */
function parseWith<T extends z.ZodType>(
  where: "path" | "query" | "body",
  schema: T | undefined,
  value: unknown,
  problems: FieldProblem[],
): Parsed<z.infer<T>> {
  if (!schema) return { ok: true, value: value as z.infer<T> };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  problems.push(...problemsOf(where, parsed.error));
  return { ok: false, where };
}

function parseInput<TBody extends z.ZodType, TPath extends z.ZodType, TQuery extends z.ZodType>(
  schemas: RouteSchemas<TBody, TPath, TQuery>,
  event: APIGatewayProxyEventV2,
): ParsedInput<TBody, TPath, TQuery> {
  const problems: FieldProblem[] = [];
  const path = parseWith("path", schemas.path, event.pathParameters ?? {}, problems);
  const query = parseWith("query", schemas.query, event.queryStringParameters ?? {}, problems);
  const body = parseWith("body", schemas.body, event.body, problems);
  if (path.ok && query.ok && body.ok) return { path: path.value, query: query.value, body: body.value };
  const failed = [path, query, body].flatMap((part) => (part.ok ? [] : [part.where]));
  const [only] = failed;
  throw new ValidationFailedError(
    failed.length === 1 && only
      ? { en: `The request ${only} is invalid`, zh: `请求的${WHERE_ZH[only]}不符合要求` }
      : { en: "The request is invalid", zh: "请求内容不符合要求" },
    problems,
  );
}

type ParsedInput<TBody extends z.ZodType, TPath extends z.ZodType, TQuery extends z.ZodType> = {
  body: z.infer<TBody>;
  path: z.infer<TPath>;
  query: z.infer<TQuery>;
};

/** What the route's middlewares put on the Lambda context for the handler (middy's way to pass values on). */
interface RouteContext<TInput = unknown> extends Context {
  /** The caller, set by `authorize` (none on a public route). */
  actor?: Actor | undefined;
  /** The request's path, query and body, validated by `validate`. */
  routeInput?: TInput;
}

type RouteMiddleware<TInput = unknown> = middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  RouteContext<TInput>
>;

/**
 * Validates the request's parts before any other custom middleware sees it
 * (middy's order: parse, validate, then the rest), so a malformed request is
 * a 400 that neither writes an idempotency record nor runs anything else.
 */
const validate = <TBody extends z.ZodType, TPath extends z.ZodType, TQuery extends z.ZodType>(
  schemas: RouteSchemas<TBody, TPath, TQuery>,
): RouteMiddleware<ParsedInput<TBody, TPath, TQuery>> => ({
  before: (request) => {
    request.context.routeInput = parseInput(schemas, request.event);
  },
});

/** Maps thrown errors to responses. Registered last so it runs first on errors. */
const errorResponder = (): RouteMiddleware => ({
  onError: (request) => {
    const error = request.error;
    const answer = errorAnswer(error);
    if (answer) {
      request.response = toResponse(answer);
      return;
    }
    logger.error("Unhandled error", { error: error instanceof Error ? error : String(error) });
    request.response = toResponse({ statusCode: 500, body: errorBody("internal_error") });
  },
});

/** API Gateway's request id as the logger's correlation id (the Lambda's own comes from injectLambdaContext). */
const requestIds = (): RouteMiddleware => ({
  before: (request) => {
    const requestId = request.event.requestContext?.requestId;
    if (requestId) logger.setCorrelationId(requestId);
  },
});

/**
 * Route-level authorization from the policy table, before any input is read;
 * the caller it parses is the one the use case gets (RouteInput.actor):
 * no caller claims → 401 (API Gateway's authorizer normally answers first), a
 * staff token without multi-factor evidence → 401 `insufficient_user_authentication`
 * (`actorOf`, shared/auth/mfa.ts), a role the row does not list → 403. Public
 * rows pass everyone.
 */
const authorize = (routeKey: string, policy: RoutePolicy): RouteMiddleware => ({
  before: (request) => {
    // Set on every request: a context object is never trusted to be fresh.
    request.context.actor = undefined;
    if (policy.scope === "public") return;
    const actor = actorOf(request.event);
    request.context.actor = actor;
    if (!roleAllowed(policy, actor.role)) {
      throw new ForbiddenError({
        en: `${routeKey} is open to ${policy.roles.join(", ")} only; you are signed in as ${actor.role}`,
        zh: `${routeKey} 仅对以下角色开放：${policy.roles.join("、")}；您当前的角色为 ${actor.role}`,
      });
    }
  },
});

/**
 * The one middy stack every HTTP handler uses: the logger given the Lambda and
 * API Gateway request ids, the caller authorized against
 * the route's row of the policy table, headers normalised, JSON body parsed
 * when the route takes one, input validated with zod, then the route's own
 * middlewares (idempotency), the use case called, its result mapped to API
 * Gateway's response. Middlewares first, handler last; the error responder
 * registered last so it runs first.
 *
 * `routeKey` is the route table's key ("GET /cases/{caseId}"); a key without a
 * policy row throws here, at module load, so such a handler never serves.
 */
export function httpRoute<
  TBody extends z.ZodType = z.ZodUnknown,
  TPath extends z.ZodType = z.ZodUnknown,
  TQuery extends z.ZodType = z.ZodUnknown,
>(
  routeKey: string,
  schemas: RouteSchemas<TBody, TPath, TQuery>,
  useCase: (input: RouteInput<z.infer<TBody>, z.infer<TPath>, z.infer<TQuery>>) => Promise<HttpResult>,
): HttpLambdaHandler {
  const policy = policyFor(routeKey);
  const stack = middy<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2,
    Error,
    RouteContext<ParsedInput<TBody, TPath, TQuery>>
  >()
    // First in, last out: every line logged while the request runs (errors included) carries its ids.
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestIds())
    .use(httpHeaderNormalizer())
    .use(authorize(routeKey, policy));
  if (schemas.body) stack.use(httpJsonBodyParser<APIGatewayProxyEventV2>());
  stack.use(validate(schemas));
  for (const middleware of schemas.middlewares ?? []) stack.use(middleware);
  return stack.use(errorResponder()).handler(async (event, context) => {
    if (!context.routeInput) throw new Error(`${routeKey}: the input was not validated`);
    const actor = context.actor;
    const input = {
      ...context.routeInput,
      headers: event.headers ?? {},
      event,
      policy,
      get actor(): Actor {
        if (!actor) throw new Error(`${routeKey} is public: it has no caller`);
        return actor;
      },
    };
    const response = toResponse(await useCase(input));
    // One line per answered request (route, status, role; never the body): through the redacting logger.
    logger.info("Request answered", { route: routeKey, status: response.statusCode, path: event.rawPath });
    return response;
  });
}
