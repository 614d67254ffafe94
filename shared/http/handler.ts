import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type * as z from "zod";
import { actorOf } from "../auth/actor.ts";
import { policyFor, type RoutePolicy, roleAllowed } from "../auth/policy.ts";
import { logger } from "../logger.ts";
import { type FieldProblem, ForbiddenError, HttpError, ValidationFailedError } from "./errors.ts";

/** What a route's use-case function gets: already parsed and validated input. */
export interface RouteInput<TBody, TPath, TQuery> {
  readonly body: TBody;
  readonly path: TPath;
  readonly query: TQuery;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly event: APIGatewayProxyEventV2;
  /** The route's row of the policy table (shared/auth/policy.ts): scope and personal-data rule. */
  readonly policy: RoutePolicy;
}

export interface RouteSchemas<TBody extends z.ZodType, TPath extends z.ZodType, TQuery extends z.ZodType> {
  readonly body?: TBody;
  readonly path?: TPath;
  readonly query?: TQuery;
  /** Extra middlewares (e.g. idempotency), run after parsing and before the use case. */
  readonly middlewares?: readonly middy.MiddlewareObj<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >[];
}

/**
 * Errors from libraries and the domain, by name. Powertools idempotency maps
 * onto the IETF Idempotency-Key draft (shared/http/idempotency.ts): a key
 * reused with another body is 422, a request still in flight 409 (also when
 * its record was just removed because the first attempt failed, or expired
 * while it ran: the retry is the answer), a missing key 400; the idempotency
 * store unreachable is 503. A workflow that could not be started is 503: the
 * case is recorded and a retry of the request starts it. An illegal status
 * transition is a conflict with the case's current state.
 */
const IDEMPOTENCY_IN_PROGRESS = {
  status: 409,
  code: "idempotency_request_in_progress",
  message: "A request with this Idempotency-Key is still being processed; retry later",
  zh: "相同幂等键的请求正在处理中，请稍后重试",
};
const KNOWN_ERRORS: Record<string, { status: number; code: string; message?: string; zh?: string }> = {
  IllegalTransitionError: { status: 409, code: "illegal_transition" },
  IdempotencyValidationError: {
    status: 422,
    code: "idempotency_key_reused",
    message: "This Idempotency-Key was already used with a different request body",
    zh: "该幂等键已用于内容不同的请求",
  },
  IdempotencyAlreadyInProgressError: IDEMPOTENCY_IN_PROGRESS,
  IdempotencyInconsistentStateError: IDEMPOTENCY_IN_PROGRESS,
  IdempotencyItemNotFoundError: IDEMPOTENCY_IN_PROGRESS,
  IdempotencyKeyError: {
    status: 400,
    code: "idempotency_key_missing",
    message: "Idempotency-Key header required",
    zh: "缺少 Idempotency-Key 请求头",
  },
  IdempotencyPersistenceLayerError: {
    status: 503,
    code: "idempotency_store_unavailable",
    message: "The request could not be recorded just now; retry it with the same Idempotency-Key",
    zh: "暂时无法记录请求，请使用相同的幂等键重试",
  },
  WorkflowNotStartedError: {
    status: 503,
    code: "workflow_not_started",
    message: "The case is submitted but its review could not be started just now; retry the request",
    zh: "申请已提交，但审批流程暂未启动，请重试",
  },
};

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

function parseWith<T extends z.ZodType>(where: string, schema: T | undefined, value: unknown): z.infer<T> {
  if (!schema) return value as z.infer<T>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationFailedError(`The request ${where} is invalid`, problemsOf(where, parsed.error));
  }
  return parsed.data;
}

/** Maps thrown errors to responses. Registered last so it runs first on errors. */
const errorResponder = (): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> => ({
  onError: (request) => {
    const error = request.error;
    if (error instanceof HttpError && error.expose) {
      request.response = toResponse({
        statusCode: error.statusCode,
        body: { error: { code: error.code, message: error.message, details: error.details } },
        ...(error.headers ? { headers: error.headers } : {}),
      });
      return;
    }
    const known = error ? KNOWN_ERRORS[error.name] : undefined;
    if (known) {
      request.response = toResponse({
        statusCode: known.status,
        body: {
          error: {
            code: known.code,
            message: known.message ?? error?.message,
            ...(known.zh ? { zh: known.zh } : {}),
          },
        },
        // Worth retrying soon: the first request finishes, or the service is back.
        ...(known === IDEMPOTENCY_IN_PROGRESS || known.status === 503
          ? { headers: { "retry-after": "1" } }
          : {}),
      });
      return;
    }
    // Errors thrown by middy's own middlewares (e.g. 415/422 from the JSON parser) carry statusCode + expose.
    const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
    const expose = (error as { expose?: unknown } | null | undefined)?.expose;
    if (typeof status === "number" && status < 500 && expose === true) {
      request.response = toResponse({
        statusCode: status,
        body: { error: { code: "bad_request", message: error?.message ?? "Bad request" } },
      });
      return;
    }
    logger.error("Unhandled error", { error: error instanceof Error ? error : String(error) });
    request.response = toResponse({
      statusCode: 500,
      body: { error: { code: "internal_error", message: "Internal server error" } },
    });
  },
});

/**
 * Route-level authorization from the policy table, before any input is read:
 * no caller claims → 401 (API Gateway's authorizer normally answers first), a
 * staff token without multi-factor evidence → 401 `insufficient_user_authentication`
 * (`actorOf`, shared/auth/mfa.ts), a role the row does not list → 403. Public
 * rows pass everyone.
 */
const authorize = (
  routeKey: string,
  policy: RoutePolicy,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  before: (request) => {
    if (policy.scope === "public") return;
    const actor = actorOf(request.event);
    if (!roleAllowed(policy, actor.role)) {
      throw new ForbiddenError(
        `${routeKey} is open to ${policy.roles.join(", ")} only; you are signed in as ${actor.role}`,
      );
    }
  },
});

/**
 * The one middy stack every HTTP handler uses: the caller authorized against
 * the route's row of the policy table, headers normalised, JSON body parsed
 * when the route takes one, input validated with zod, the use case called, its
 * result mapped to API Gateway's response. Middlewares first, handler last; the
 * error responder registered last so it runs first.
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
  const stack = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(authorize(routeKey, policy));
  if (schemas.body) stack.use(httpJsonBodyParser<APIGatewayProxyEventV2>());
  for (const middleware of schemas.middlewares ?? []) stack.use(middleware);
  return stack.use(errorResponder()).handler(async (event) => {
    const input = {
      body: parseWith("body", schemas.body, event.body),
      path: parseWith("path", schemas.path, event.pathParameters ?? {}),
      query: parseWith("query", schemas.query, event.queryStringParameters ?? {}),
      headers: event.headers ?? {},
      event,
      policy,
    };
    const response = toResponse(await useCase(input));
    // One line per answered request (route, status, role; never the body): through the redacting logger.
    logger.info("Request answered", { route: routeKey, status: response.statusCode, path: event.rawPath });
    return response;
  });
}
