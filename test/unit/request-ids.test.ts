import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { NotFoundError } from "#shared/http/errors.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { lambdaHandler } from "#shared/lambda.ts";
import { logger } from "#shared/logger.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

const lambdaContext = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: "nongfang-test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:cn-north-1:123456789012:function:nongfang-test",
    memoryLimitInMB: "512",
    getRemainingTimeInMillis: () => 10_000,
  }) as Context;

const apiEvent = (requestId: string): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    routeKey: "GET /health",
    rawPath: "/health",
    rawQueryString: "",
    headers: {},
    requestContext: { requestId, http: { method: "GET", path: "/health" } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

/** Every JSON line the logger wrote to stdout/stderr while the spies were on. */
let written: MockInstance[] = [];
const logLines = (): Record<string, unknown>[] =>
  written
    .flatMap((spy) => spy.mock.calls.map((call) => String(call[0])))
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(() => {
  written = [
    vi.spyOn(process.stdout, "write").mockImplementation(() => true),
    vi.spyOn(process.stderr, "write").mockImplementation(() => true),
  ];
});
afterEach(() => {
  for (const spy of written) spy.mockRestore();
});

describe("request ids in the logs", () => {
  it("puts the Lambda and the API Gateway request ids on every line an HTTP handler writes", async () => {
    const handler = httpRoute("GET /health", {}, async () => {
      logger.info("Inside the use case");
      return ok({});
    });
    await handler(apiEvent("api-1"), lambdaContext("lambda-1"));
    const lines = logLines();
    expect(lines.map((line) => line.message)).toEqual(["Inside the use case", "Request answered"]);
    for (const line of lines) {
      expect(line).toMatchObject({ function_request_id: "lambda-1", correlation_id: "api-1" });
    }
  });

  it("carries them on an error's lines too, and never the previous request's", async () => {
    const failing = httpRoute("GET /health", {}, async () => {
      throw new Error("boom");
    });
    await failing(apiEvent("api-2"), lambdaContext("lambda-2"));
    const notFound = httpRoute("GET /health", {}, async () => {
      throw new NotFoundError();
    });
    await notFound(apiEvent("api-3"), lambdaContext("lambda-3"));
    const lines = logLines();
    expect(lines).toEqual([
      expect.objectContaining({
        message: "Unhandled error",
        function_request_id: "lambda-2",
        correlation_id: "api-2",
      }),
    ]);
    // After the request the keys are reset: a line written between requests carries none.
    logger.info("Between requests");
    const between = logLines().find((line) => line.message === "Between requests");
    expect(between).toBeDefined();
    expect(between).not.toHaveProperty("correlation_id");
  });

  it("puts the Lambda request id on every line a workflow task writes", async () => {
    const task = lambdaHandler(async (event: { caseId: string }) => {
      logger.info("Task ran", { caseId: event.caseId });
      return { done: true };
    });
    expect(await task({ caseId: "c-1" }, lambdaContext("lambda-4"))).toEqual({ done: true });
    expect(logLines()).toEqual([
      expect.objectContaining({ message: "Task ran", caseId: "c-1", function_request_id: "lambda-4" }),
    ]);
  });

  it("wraps every handler module: an HTTP route or a Lambda handler with the logger's context", () => {
    const unwrapped = readdirSync(path.join(ROOT, "functions"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => {
        const source = readFileSync(path.join(ROOT, "functions", file), "utf8");
        return /export (const|async function|function) handler\b/.test(source)
          ? !/export const handler = (httpRoute|lambdaHandler)\(/.test(source)
          : false;
      });
    expect(unwrapped).toEqual([]);
  });
});
