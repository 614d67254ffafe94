/** The bench's HTTP client: keep-alive node:http requests with a timeout, and answer checks. */
import { Agent, request } from "node:http";

/** Keep-alive connections shared by every request of a run (the cloud's stop destroys them). */
export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** An API call as a bench user (bench/support/households.ts's callers, submitCase's counting one). */
export type Caller = (
  method: string,
  route: string,
  body?: unknown,
  extra?: Record<string, string>,
) => Promise<HttpResult>;

/** A small keep-alive HTTP client (node:http): cheaper per request than fetch, so the driver costs less CPU. */
export function http(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<HttpResult> {
  return once(method, url, headers, body).catch((error: unknown) => {
    // A kept-alive socket the server closed as we reused it (Node's documented race): the request never
    // reached a handler, so sending it again on a fresh socket is safe.
    if (error instanceof ReusedSocketReset) return once(method, url, headers, body);
    throw error;
  });
}

class ReusedSocketReset extends Error {}

/** Longer than any function's timeout (10 s) plus the API's own drain: an answer that will never come. */
const REQUEST_TIMEOUT_MS = 60_000;

export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
}

function once(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers:
          body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    // A request the server never answers (a bench must end): counted by the caller as no answer.
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new RequestTimeoutError(`${method} ${url}`)));
    req.on("error", (error: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && error.code === "ECONNRESET" ? new ReusedSocketReset(error.message) : error),
    );
    req.end(body);
  });
}

export function json<T>(result: HttpResult): T {
  return (result.body ? JSON.parse(result.body) : {}) as T;
}

/** Fails the run (a broken script, not a slow figure) when a request does not answer as the lifecycle test expects. */
export function expectStatus(result: HttpResult, expected: number, what: string): HttpResult {
  if (result.status !== expected) throw new Error(`${what}: ${result.status} ${result.body.slice(0, 400)}`);
  return result;
}
