import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { IllegalTransitionError } from "#shared/domain/case-status.ts";
import { ERROR_CATALOGUE } from "#shared/http/error-catalogue.ts";
import { InvalidCursorError, NotFoundError } from "#shared/http/errors.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";

const event = (body?: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    routeKey: "POST /x",
    rawPath: "/x",
    rawQueryString: "",
    headers: { "content-type": "application/json", ...headers },
    requestContext: { http: { method: "POST", path: "/x" } },
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body }),
  }) as unknown as APIGatewayProxyEventV2;
const context = {} as Context;

const named = (name: string, message = "boom") => Object.assign(new Error(message), { name });

describe("the HTTP middleware stack", () => {
  it("answers 400 with field paths when the body fails its schema", async () => {
    const handler = httpRoute("GET /health", { body: z.object({ kind: z.enum(["homestead"]) }) }, async () =>
      ok({}),
    );
    const response = await handler(event(JSON.stringify({ kind: "castle" })), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "{}")).toMatchObject({
      error: { code: "validation_failed", details: { problems: [{ path: "body.kind" }] } },
    });
  });

  it("passes a 4xx error's message through in English and Chinese", async () => {
    const handler = httpRoute("GET /health", {}, async () => {
      throw new NotFoundError({ en: "No case c1", zh: "未找到案件 c1" });
    });
    const response = await handler(event(), context);
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? "{}")).toEqual({
      error: { code: "not_found", message: "No case c1", zh: "未找到案件 c1" },
    });
  });

  it("answers the catalogue's status and bilingual default for a code", async () => {
    const handler = httpRoute("GET /health", {}, async () => {
      throw new InvalidCursorError();
    });
    const response = await handler(event(), context);
    expect(response.statusCode).toBe(ERROR_CATALOGUE.invalid_cursor.status);
    expect(JSON.parse(response.body ?? "{}")).toEqual({
      error: {
        code: "invalid_cursor",
        message: ERROR_CATALOGUE.invalid_cursor.en,
        zh: ERROR_CATALOGUE.invalid_cursor.zh,
      },
    });
  });

  it("answers 415 unsupported_media_type and 422 malformed_json from the JSON body parser, in both languages", async () => {
    const handler = httpRoute("GET /health", { body: z.object({}) }, async () => ok({}));
    const wrongType = await handler(event("{}", { "content-type": "text/plain" }), context);
    expect(wrongType.statusCode).toBe(415);
    expect(JSON.parse(wrongType.body ?? "{}")).toMatchObject({
      error: { code: "unsupported_media_type", zh: expect.stringContaining("JSON") },
    });
    const broken = await handler(event("{not json"), context);
    expect(broken.statusCode).toBe(422);
    expect(JSON.parse(broken.body ?? "{}")).toMatchObject({
      error: { code: "malformed_json", zh: ERROR_CATALOGUE.malformed_json.zh },
    });
  });

  it.each([
    ["IdempotencyAlreadyInProgressError", 409, "idempotency_request_in_progress"],
    ["IdempotencyItemNotFoundError", 409, "idempotency_request_in_progress"],
    ["IdempotencyPersistenceLayerError", 503, "idempotency_store_unavailable"],
    ["WorkflowNotStartedError", 503, "workflow_not_started"],
    ["IdempotencyValidationError", 422, "idempotency_key_reused"],
    ["IdempotencyKeyError", 400, "idempotency_key_missing"],
  ])("maps Powertools' %s to %i as the Idempotency-Key draft says", async (name, status, code) => {
    const handler = httpRoute("GET /health", {}, async () => {
      throw named(name);
    });
    const response = await handler(event(), context);
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? "{}")).toMatchObject({ error: { code } });
  });

  it("answers 409 for a transition the case's status does not allow", async () => {
    const handler = httpRoute("GET /health", {}, async () => {
      throw new IllegalTransitionError("approved", "withdraw", "not before approval");
    });
    expect((await handler(event(), context)).statusCode).toBe(409);
  });

  it("hides the details of unexpected errors behind a generic 500", async () => {
    const handler = httpRoute("GET /health", {}, async () => {
      throw new Error("ConnectionRefused: 10.0.0.5:5432 password=hunter2");
    });
    const response = await handler(event(), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("hunter2");
    expect(JSON.parse(response.body ?? "{}")).toEqual({
      error: { code: "internal_error", message: "Internal server error", zh: "服务器内部错误" },
    });
  });

  it("answers 503 service_busy with Retry-After when the function runs out of time, not a 500", async () => {
    const handler = httpRoute("GET /health", {}, () => new Promise<never>(() => undefined));
    // Lambda's context: 40 ms left; middy answers 5 ms before that.
    const ending = { getRemainingTimeInMillis: () => 40 } as unknown as Context;
    const response = await handler(event(), ending);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(response.body ?? "{}").error.code).toBe("service_busy");
  });
});
