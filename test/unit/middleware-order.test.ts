import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { idempotencyKeyMiddlewares } from "#shared/http/idempotency.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

const villager = { sub: "v-1", "custom:role": "villager", "custom:household": "h-1" };

const submitEvent = (body: string, caseId = "case-1"): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    routeKey: "POST /cases",
    rawPath: "/cases",
    rawQueryString: "",
    headers: { "content-type": "application/json", "idempotency-key": "k-0123456789abcdef" },
    pathParameters: { caseId },
    requestContext: {
      requestId: "api-1",
      http: { method: "POST", path: "/cases" },
      authorizer: { jwt: { claims: villager } },
    },
    isBase64Encoded: false,
    body,
  }) as unknown as APIGatewayProxyEventV2;

const lambdaContext = {
  awsRequestId: "lambda-1",
  functionName: "submit",
  getRemainingTimeInMillis: () => 10_000,
} as Context;

const dynamodb = mockClient(DynamoDBClient);
afterEach(() => dynamodb.reset());

function idempotentRoute(onUseCase: () => void) {
  return httpRoute(
    "POST /cases",
    {
      body: z.object({ kind: z.enum(["homestead"]) }),
      path: z.object({ caseId: z.string().regex(/^case-\d+$/) }),
      middlewares: idempotencyKeyMiddlewares({
        dynamodb: new DynamoDBClient({}),
        tableName: "cases",
        partition: "IDEMPOTENCY#test",
      }),
    },
    async () => {
      onUseCase();
      return ok({});
    },
  );
}

describe("the order of the HTTP middlewares", () => {
  it("answers an invalid body 400 before the idempotency middleware touches its table", async () => {
    let ran = false;
    const handler = idempotentRoute(() => {
      ran = true;
    });
    const response = await handler(submitEvent(JSON.stringify({ kind: "castle" })), lambdaContext);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "{}")).toMatchObject({
      error: { code: "validation_failed", details: { problems: [{ path: "body.kind" }] } },
    });
    expect(dynamodb.calls()).toHaveLength(0);
    expect(ran).toBe(false);
  });

  it("answers an invalid path parameter 400 before the idempotency middleware touches its table", async () => {
    const handler = idempotentRoute(() => undefined);
    const response = await handler(
      submitEvent(JSON.stringify({ kind: "homestead" }), "not a case"),
      lambdaContext,
    );
    expect(response.statusCode).toBe(400);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it("reaches the idempotency table with a valid request", async () => {
    dynamodb.onAnyCommand().resolves({});
    const handler = idempotentRoute(() => undefined);
    const response = await handler(submitEvent(JSON.stringify({ kind: "homestead" })), lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(dynamodb.calls().length).toBeGreaterThan(0);
  });
});

describe("the caller", () => {
  it("is parsed once, by the authorization middleware, and handed to the use case typed", async () => {
    let reads = 0;
    const claims = {
      get sub() {
        reads++;
        return "v-1";
      },
      "custom:role": "villager",
      "custom:household": "h-1",
    };
    const event = submitEvent("{}");
    const requestContext = event.requestContext as unknown as { authorizer: { jwt: { claims: unknown } } };
    requestContext.authorizer.jwt.claims = claims;
    const handler = httpRoute("GET /cases", {}, async ({ actor }) => ok({ id: actor.id, role: actor.role }));
    const response = await handler(event, lambdaContext);
    expect(JSON.parse(response.body ?? "{}")).toEqual({ id: "v-1", role: "villager" });
    expect(reads).toBe(1);
  });

  it("is read from the route input by every handler, never parsed again from the event", () => {
    const offenders = readdirSync(path.join(ROOT, "functions"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => /\bactorOf\(/.test(readFileSync(path.join(ROOT, "functions", file), "utf8")));
    expect(offenders).toEqual([]);
  });
});
