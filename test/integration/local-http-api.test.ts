import { type AddressInfo, createServer } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHttpApi, startLocalHttpApi } from "#infra/local/http-api.ts";
import type { RouteDefinition } from "#shared/http/routes.ts";

const route = (
  method: RouteDefinition["method"],
  path: string,
  access: RouteDefinition["access"] = "public",
) =>
  ({
    method,
    path,
    handler: `functions/test${path}.ts`,
    access,
    uses: [],
    summary: "test",
  }) as RouteDefinition;

const ROUTES = [
  route("POST", "/echo"),
  route("GET", "/cases/{caseId}"),
  route("GET", "/cases/mine"),
  route("GET", "/files/{proxy+}"),
  route("GET", "/binary"),
  route("GET", "/plain"),
  route("GET", "/boom"),
  route("GET", "/private", "signed-in"),
];

let api: LocalHttpApi;
const events: APIGatewayProxyEventV2[] = [];

beforeAll(async () => {
  api = await startLocalHttpApi({
    routes: ROUTES,
    authorize: async (headers) =>
      headers.authorization === "Bearer good" ? { jwt: { claims: { sub: "u1" }, scopes: [] } } : undefined,
    invoke: async (matched, event) => {
      events.push(event);
      switch (matched.path) {
        case "/binary":
          return {
            statusCode: 200,
            headers: { "content-type": "image/png" },
            isBase64Encoded: true,
            body: "iVBORw0KGgo=",
          };
        case "/plain":
          return { hello: "世界" };
        case "/boom":
          throw new Error("internal detail");
        default:
          return { statusCode: 201, headers: { "X-Custom": "yes" }, cookies: ["a=1", "b=2"], body: "ok" };
      }
    },
  });
});
afterAll(async () => {
  await api?.close();
});

const last = () => events.at(-1) as APIGatewayProxyEventV2;

describe("local HTTP API (API Gateway payload 2.0)", () => {
  it("builds the event like API Gateway: lower-case headers, joined repeats, cookies apart, raw path and query", async () => {
    const response = await fetch(`${api.url}/echo?x=1&x=2&y=%E4%B8%AD`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: "s=abc; t=def", "X-Thing": "A" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(response.status).toBe(201);
    const event = last();
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("POST /echo");
    expect(event.rawPath).toBe("/echo");
    expect(event.rawQueryString).toBe("x=1&x=2&y=%E4%B8%AD");
    expect(event.queryStringParameters).toEqual({ x: "1,2", y: "中" });
    expect(event.cookies).toEqual(["s=abc", "t=def"]);
    expect(event.headers["x-thing"]).toBe("A");
    expect(event.headers.cookie).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    expect(JSON.parse(event.body ?? "")).toEqual({ a: 1 });
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.http.method).toBe("POST");
  });

  it("answers with the handler's status, lower-cased headers and each cookie as its own Set-Cookie", async () => {
    const response = await fetch(`${api.url}/echo`, { method: "POST" });
    expect(response.headers.get("x-custom")).toBe("yes");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get("apigw-requestid")).toBeTruthy();
    expect(await response.text()).toBe("ok");
  });

  it("base64-encodes binary request bodies and decodes base64 responses", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await fetch(`${api.url}/echo`, {
      method: "POST",
      headers: { "content-type": "image/jpeg" },
      body: bytes,
    });
    expect(last().isBase64Encoded).toBe(true);
    expect(Buffer.from(last().body ?? "", "base64")).toEqual(bytes);

    const response = await fetch(`${api.url}/binary`);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from("iVBORw0KGgo=", "base64"));
  });

  it("infers 200 JSON when the handler returns a plain object", async () => {
    const response = await fetch(`${api.url}/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ hello: "世界" });
  });

  it("prefers literal path segments over parameters and supports greedy paths", async () => {
    await fetch(`${api.url}/cases/mine`);
    expect(last().routeKey).toBe("GET /cases/mine");
    await fetch(`${api.url}/cases/c%2F1`);
    expect(last().pathParameters).toEqual({ caseId: "c/1" });
    await fetch(`${api.url}/files/a/b/c.pdf`);
    expect(last().pathParameters).toEqual({ proxy: "a/b/c.pdf" });
  });

  it("uses API Gateway's error bodies: 404 unknown route, 500 failed handler, 413 over 10 MB", async () => {
    const missing = await fetch(`${api.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "Not Found" });

    const failed = await fetch(`${api.url}/boom`);
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text)).toEqual({ message: "Internal Server Error" });
    expect(text).not.toContain("internal detail");

    const tooLarge = await fetch(`${api.url}/echo`, {
      method: "POST",
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(tooLarge.status).toBe(413);
  });

  it("calls the authorizer for non-public routes and passes its claims in requestContext", async () => {
    const denied = await fetch(`${api.url}/private`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ message: "Unauthorized" });
    const allowed = await fetch(`${api.url}/private`, { headers: { authorization: "Bearer good" } });
    expect(allowed.status).toBe(201);
    const context = last().requestContext as unknown as {
      authorizer: { jwt: { claims: Record<string, string> } };
    };
    expect(context.authorizer.jwt.claims).toEqual({ sub: "u1" });
  });

  it("answers 503 like API Gateway when a function does not answer within the integration timeout", async () => {
    let answer: (value: unknown) => void = () => {};
    const slow = await startLocalHttpApi({
      routes: [route("GET", "/slow")],
      integrationTimeoutMs: 100,
      invoke: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    try {
      const response = await fetch(`${slow.url}/slow`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ message: "Service Unavailable" });
      // The function answering later (it went on running, as on AWS) writes nothing more.
      answer({ statusCode: 200, body: "late" });
    } finally {
      await slow.close();
    }
  });

  it("fails to start on a port in use instead of waiting for ever", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(
        startLocalHttpApi({ port, routes: [route("GET", "/x")], invoke: async () => ({}) }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("takes over a socket already listening, so its port is never free in between", async () => {
    const reserved = createServer();
    await new Promise<void>((resolve) => reserved.listen(0, "127.0.0.1", resolve));
    const { port } = reserved.address() as AddressInfo;
    const adopted = await startLocalHttpApi({
      listenOn: reserved,
      routes: [route("GET", "/hello")],
      invoke: async () => ({ statusCode: 200, body: "hello" }),
    });
    try {
      expect(adopted.url).toBe(`http://127.0.0.1:${port}`);
      const response = await fetch(`${adopted.url}/hello`);
      expect(await response.text()).toBe("hello");
    } finally {
      await adopted.close();
    }
  });
});
