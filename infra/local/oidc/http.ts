/** Small HTTP helpers of the local issuer's server: bodies, answers, listening. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class RequestTooLargeError extends Error {
  constructor() {
    super("Request body too large");
    this.name = "RequestTooLargeError";
  }
}

export async function readBody(request: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new RequestTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    pragma: "no-cache",
    ...headers,
  });
  response.end(JSON.stringify(body));
}

/** An HTML page whose forms may post to the issuer itself and (for the redirect) to the web app origins. */
export function sendHtml(
  response: ServerResponse,
  status: number,
  body: string,
  formOrigins: Iterable<string>,
): void {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // Chromium applies form-action to the POST's redirect too: the web app origins must be listed.
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${[...formOrigins].join(" ")}`,
    "x-frame-options": "DENY",
  });
  response.end(body);
}

export function sendRedirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { location, "cache-control": "no-store" });
  response.end();
}

/** Listens on 127.0.0.1; answers the port (a free one for 0). */
export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
