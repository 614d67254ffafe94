import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type RouteDefinition, routeKey } from "#shared/http/routes.ts";

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What the JWT authorizer puts in `requestContext.authorizer` (identity issue fills it). */
export interface AuthorizerContext {
  readonly jwt: {
    readonly claims: Record<string, string | number | boolean | string[]>;
    readonly scopes: string[];
  };
}

export interface LocalHttpApiOptions {
  readonly port?: number;
  /**
   * A server already listening on the port the API must have (its URL was handed out before the API
   * started): the API takes its socket over, so the port is never free for another process to take.
   */
  readonly listenOn?: NetServer;
  readonly routes: readonly RouteDefinition[];
  /** Invokes the function that serves a route (the local Lambda runtime). */
  readonly invoke: (route: RouteDefinition, event: APIGatewayProxyEventV2) => Promise<unknown>;
  /**
   * Checks a request to a non-public route like API Gateway's JWT authorizer:
   * resolve to the authorizer context, or to undefined for a 401. Without it,
   * non-public routes are served unauthenticated (the stack has no authorizer yet either).
   */
  readonly authorize?: (headers: Readonly<Record<string, string>>) => Promise<AuthorizerContext | undefined>;
  /** Requests no route matches (e.g. the web app's static files); return false to answer 404. */
  readonly fallback?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  /** How long close() lets requests being served finish before it cuts connections; 15 s by default. */
  readonly drainTimeoutMs?: number;
  /** How long a function may take before the API answers 503 (API Gateway: 30 s, fixed for HTTP APIs). */
  readonly integrationTimeoutMs?: number;
}

export interface LocalHttpApi {
  readonly url: string;
  readonly server: Server;
  /**
   * Stops taking requests (new connections are refused, new requests on open
   * connections answer 503), lets the requests being served answer (bounded by
   * `drainTimeoutMs`), then closes every connection.
   */
  close(): Promise<void>;
}

/** Longer than a function's timeout (10 s): a handler that started answers. */
const DEFAULT_DRAIN_TIMEOUT_MS = 15_000;
/** HTTP APIs give an integration 30 s, then answer 503; the function goes on running. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

class IntegrationTimeoutError extends Error {
  override name = "IntegrationTimeoutError";
}

/** The function's answer, or IntegrationTimeoutError once API Gateway would have given up on it. */
async function withinIntegrationTimeout<T>(answer: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeoutError()), timeoutMs);
  });
  try {
    return await Promise.race([answer, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly parameters: readonly string[];
  /** More literal segments win, greedy {proxy+} routes lose: API Gateway's precedence. */
  readonly score: number;
}

function compile(route: RouteDefinition): CompiledRoute {
  const parameters: string[] = [];
  let score = 0;
  const source = route.path
    .split("/")
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        parameters.push(greedy[1]);
        score -= 1000;
        return "(.+)";
      }
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter?.[1]) {
        parameters.push(parameter[1]);
        return "([^/]+)";
      }
      score += 10;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`), parameters, score };
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]+\+(json|xml))/i;

async function readBody(request: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return "too-large";
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: Buffer | string,
) {
  response.writeHead(status, headers);
  response.end(body);
}

const apiGatewayError = (response: ServerResponse, status: number, message: string, requestId: string) =>
  send(
    response,
    status,
    { "content-type": "application/json", "apigw-requestid": requestId },
    JSON.stringify({ message }),
  );

/** A path parameter percent-decoded, or undefined when it is not valid percent-encoded UTF-8. */
function decodePathValue(value: string | undefined): string | undefined {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return undefined;
  }
}

/** Builds API Gateway's HTTP API payload format 2.0 event from a Node request. */
export function toEventV2(
  request: IncomingMessage,
  body: Buffer,
  match: { route: RouteDefinition; pathParameters: Record<string, string> },
  requestId: string,
  authorizer: AuthorizerContext | undefined,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? "/", "http://local");
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? "").toLowerCase();
    const value = request.rawHeaders[i + 1] ?? "";
    if (name === "cookie") cookies.push(...value.split(/;\s*/).filter(Boolean));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  const contentType = headers["content-type"] ?? "";
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  return {
    version: "2.0",
    routeKey: routeKey(match.route),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: (headers.host ?? "127").split(".")[0] ?? "127",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: routeKey(match.route),
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(authorizer ? { authorizer } : {}),
    },
    ...(body.length > 0 ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2;
}

/** Maps a handler's result to a response the way API Gateway does for payload 2.0. */
function writeResult(response: ServerResponse, result: unknown, requestId: string): void {
  const structured =
    result !== null && typeof result === "object" && "statusCode" in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    // No statusCode: API Gateway assumes 200, JSON, and the result as the body.
    const body = typeof result === "string" ? result : JSON.stringify(result);
    send(response, 200, { "content-type": "application/json", "apigw-requestid": requestId }, body);
    return;
  }
  const headers: Record<string, string> = { "apigw-requestid": requestId };
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  const body =
    structured.body === undefined
      ? undefined
      : structured.isBase64Encoded
        ? Buffer.from(structured.body, "base64")
        : structured.body;
  response.writeHead(structured.statusCode ?? 200, {
    ...headers,
    ...(structured.cookies?.length ? { "set-cookie": structured.cookies } : {}),
  });
  response.end(body);
}

/**
 * The local HTTP API: one server on 127.0.0.1 serving the route table, turning
 * each request into a payload 2.0 event for the route's handler, and answering
 * with API Gateway's status codes and error bodies.
 */
export async function startLocalHttpApi(options: LocalHttpApiOptions): Promise<LocalHttpApi> {
  const compiled = options.routes.map(compile).sort((a, b) => b.score - a.score);

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID();
    try {
      const url = new URL(request.url ?? "/", "http://local");
      const candidates = compiled.filter((entry) => entry.pattern.test(url.pathname));
      const entry = candidates.find((candidate) => candidate.route.method === request.method);
      if (!entry) {
        if (request.method === "OPTIONS" || candidates.length > 0) {
          return apiGatewayError(response, 404, "Not Found", requestId);
        }
        if (options.fallback && (await options.fallback(request, response))) return;
        return apiGatewayError(response, 404, "Not Found", requestId);
      }
      const values = entry.pattern.exec(url.pathname)?.slice(1) ?? [];
      const decoded = values.map(decodePathValue);
      // A path API Gateway cannot decode (`%ZZ`, a broken UTF-8 sequence) is its 400, before any function runs.
      if (decoded.some((value) => value === undefined)) {
        return apiGatewayError(response, 400, "Bad Request", requestId);
      }
      const pathParameters = Object.fromEntries(
        entry.parameters.map((name, index) => [name, decoded[index] ?? ""]),
      );
      let authorizer: AuthorizerContext | undefined;
      if (entry.route.access !== "public" && options.authorize) {
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value ?? "")]),
        );
        authorizer = await options.authorize(headers);
        if (!authorizer) return apiGatewayError(response, 401, "Unauthorized", requestId);
      }
      const body = await readBody(request);
      if (body === "too-large") return apiGatewayError(response, 413, "Request Entity Too Large", requestId);
      const event = toEventV2(request, body, { route: entry.route, pathParameters }, requestId, authorizer);
      const result = await withinIntegrationTimeout(
        options.invoke(entry.route, event),
        options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS,
      );
      writeResult(response, result, requestId);
    } catch (error) {
      if (error instanceof IntegrationTimeoutError && !response.headersSent)
        return apiGatewayError(response, 503, "Service Unavailable", requestId);
      // A function error or timeout: API Gateway answers 500 and hides the cause.
      if (!response.headersSent) apiGatewayError(response, 500, "Internal Server Error", requestId);
      else response.end();
    }
  };
  const inFlight = new Set<Promise<void>>();
  let draining = false;
  const server = createServer((request, response) => {
    if (draining) {
      response.setHeader("connection", "close");
      apiGatewayError(response, 503, "Service Unavailable", randomUUID());
      return;
    }
    // Until the answer has left (or the client went away), not merely until the handler returned.
    const done = new Promise<void>((resolve) => response.once("close", resolve));
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
    void serve(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve();
    };
    if (options.listenOn) server.listen(options.listenOn, listening);
    else server.listen(options.port ?? 0, "127.0.0.1", listening);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      draining = true;
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}
