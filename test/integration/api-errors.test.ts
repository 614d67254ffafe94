/**
 * The API answers hostile and malformed input with a clear 4xx, never a 5xx:
 * the catalogue's code, the English `message` and the Chinese `zh`; and the
 * local HTTP API answers what it cannot route as API Gateway does. Real HTTP
 * against the local cloud.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policyFor } from "#shared/auth/policy.ts";
import { ERROR_CATALOGUE, type ErrorCode } from "#shared/http/error-catalogue.ts";
import { ROUTE_ERRORS } from "#shared/http/route-errors.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, DEMO_USER_OF_ROLE, signInAs } from "../support/tokens.ts";

const HAN = /\p{Script=Han}/u;

/** A demo user of each role (township A; auditor and county admin cover both). */
const USER_OF = DEMO_USER_OF_ROLE;

/** A body each route accepts (so the answer is about the case id, not the body). */
const VALID_BODY: Readonly<Record<string, unknown>> = {
  "PUT /cases/{caseId}/application": { reason: "扩建" },
  "POST /cases/{caseId}/withdraw": {},
  "POST /cases/{caseId}/documents": {
    type: "id_card",
    contentType: "application/pdf",
    size: 10,
    sha256: "0".repeat(64),
  },
  "POST /cases/{caseId}/correction": { application: { head: { phone: "13912345678" } } },
  "POST /cases/{caseId}/completion-report": {},
  "POST /review/cases/{caseId}/steps/{stepId}/decision": { outcome: "approved" },
  "POST /assisted/cases/{caseId}/consent": { code: "123456" },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    contentType: "image/jpeg",
    size: 10,
    sha256: "0".repeat(64),
  },
  "POST /cases/{caseId}/certificates/{number}/revoke": { reason: "错误签发" },
  "POST /cases/{caseId}/certificates/{number}/reissue": { reason: "姓名更正" },
  "POST /cases/{caseId}/certificates/{number}/extend": { reason: "施工延期" },
};

let env: TestCloud;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await startTestCloud();
  for (const user of new Set(Object.values(USER_OF)))
    tokens.set(user, await signInAs(env.cloud.endpoints, user));
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function call(
  method: string,
  path: string,
  options: { user?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: {
      ...(options.user ? authHeader(tokens.get(options.user) ?? "") : {}),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, body };
}

/** The catalogue's answer: status, code, an English message and a Chinese one, apart. */
function expectCatalogued(answer: Answer, code: ErrorCode, label = ""): void {
  expect(answer.status, `${label} ${JSON.stringify(answer.body)}`).toBe(ERROR_CATALOGUE[code].status);
  const error = (answer.body as { error?: { code?: string; message?: string; zh?: string } }).error;
  expect(error?.code, label).toBe(code);
  expect(error?.message, label).toEqual(expect.any(String));
  expect(error?.zh, label).toMatch(HAN);
  // Two messages, not one string carrying both ("English / 中文").
  expect(error?.message, label).not.toContain(error?.zh ?? "");
  expect(error?.message, label).not.toContain(" / ");
}

const caseRoutes = ROUTES.filter((route) => route.path.includes("{caseId}"));

/** The route's path with `caseId` set and other parameters filled with plausible ids. */
function pathOf(path: string, caseId: string): string {
  return path
    .replace("{caseId}", caseId)
    .replace(/\{(\w+)\}/g, (_match, name: string) =>
      name === "type"
        ? "homestead_approval_certificate"
        : name === "paper"
          ? "approval_form"
          : name === "number"
            ? "511424-ZJDPZ-2026-00001"
            : `${name}-1`,
    );
}

function callerOf(key: string): string {
  const [role] = policyFor(key).roles;
  return USER_OF[role ?? "villager"];
}

describe("one caseId schema on every {caseId} route", () => {
  it("answers 400 validation_failed naming path.caseId to a malformed id, on every route alike", async () => {
    for (const route of caseRoutes) {
      const key = routeKey(route);
      for (const bad of ["bad%20id!", "x".repeat(65), "%E4%B8%AD%E6%96%87", "-leading-dash", "a.b"]) {
        const answer = await call(route.method, pathOf(route.path, bad), {
          user: callerOf(key),
          ...(VALID_BODY[key] === undefined ? {} : { body: VALID_BODY[key] }),
          headers: { "idempotency-key": "errors-test-key-1" },
        });
        expectCatalogued(answer, "validation_failed", `${key} ${bad}`);
        expect(JSON.stringify(answer.body), key).toContain("path.caseId");
      }
    }
  });

  it("answers 404 not_found to a well-formed id of no case, on every route alike", async () => {
    const unknown = "0f0e0d0c-0b0a-4000-8000-000000000000";
    for (const route of caseRoutes) {
      const key = routeKey(route);
      const answer = await call(route.method, pathOf(route.path, unknown), {
        user: callerOf(key),
        ...(VALID_BODY[key] === undefined ? {} : { body: VALID_BODY[key] }),
        headers: { "idempotency-key": "errors-test-key-2" },
      });
      expectCatalogued(answer, "not_found", key);
      expect(ROUTE_ERRORS[key], key).toContain("not_found");
    }
  });
});

describe("messages in English and Chinese", () => {
  it("answers each error in both languages, never glued into one string", async () => {
    const notDraft = await call("POST", "/cases", { user: "villager-wang", body: { kind: "homestead" } });
    const caseId = (notDraft.body as { caseId: string }).caseId;
    await call("POST", `/cases/${caseId}/withdraw`, { user: "villager-wang", body: {} });
    const submitWithdrawn = await call("POST", `/cases/${caseId}/submit`, {
      user: "villager-wang",
      headers: { "idempotency-key": `errors-${caseId}` },
    });
    expectCatalogued(submitWithdrawn, "not_a_draft", "submit a withdrawn case");
    expectCatalogued(
      await call("POST", `/cases/${caseId}/submit`, { user: "villager-wang" }),
      "idempotency_key_missing",
      "submit without a key",
    );
    expectCatalogued(
      await call("POST", "/cases", { user: "villager-wang", body: { kind: "castle" } }),
      "validation_failed",
      "a kind that does not exist",
    );
    expectCatalogued(
      await call("GET", "/queues/township_clerk?township=511424101", { user: "clerk-a" }),
      "forbidden",
      "another township's queue",
    );
    expectCatalogued(
      await call("POST", `/review/cases/${caseId}/steps/no-step/decision`, {
        user: "clerk-a",
        body: { outcome: "approved" },
      }),
      "not_found",
      "no such step",
    );
    const raw = async (contentType: string, body: string): Promise<Answer> => {
      const response = await fetch(`${env.cloud.endpoints.api}/cases`, {
        method: "POST",
        headers: { ...authHeader(tokens.get("villager-wang") ?? ""), "content-type": contentType },
        body,
      });
      return { status: response.status, body: await response.json() };
    };
    expectCatalogued(await raw("application/json", "{not json"), "malformed_json", "a body that is not JSON");
    expectCatalogued(
      await raw("text/plain", "kind=homestead"),
      "unsupported_media_type",
      "a body that is not JSON by its content type",
    );
  });
});

describe("what the gateway answers before any function runs", () => {
  it("answers a path it cannot decode with API Gateway's 400, on every route with a path parameter", async () => {
    for (const route of ROUTES.filter((candidate) => candidate.path.includes("{"))) {
      const key = routeKey(route);
      const path = route.path.replace(/\{\w+\+?\}/g, "%ZZ");
      const answer = await call(route.method, path, {
        ...(route.access === "public" ? {} : { user: callerOf(key) }),
      });
      expect(answer, key).toEqual({ status: 400, body: { message: "Bad Request" } });
    }
    expect(await call("GET", "/verify/%E4%B8%AD%ZZ")).toEqual({
      status: 400,
      body: { message: "Bad Request" },
    });
  });

  it("still decodes a well-formed escape (a certificate number in Chinese) for the function", async () => {
    const answer = await call("GET", `/verify/${encodeURIComponent("丹棱宅批〔2026〕999号")}?format=json`);
    expectCatalogued(answer, "not_found", "unknown certificate");
    expect((answer.body as { error: { message: string } }).error.message).toContain("999");
  });
});

describe("register ranges", () => {
  it.each([
    ["from after to", "from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z"],
    ["from equal to to", "from=2026-05-01T00:00:00Z&to=2026-05-01T00:00:00Z"],
    ["from at the end of time", "from=9999-12-31T23:59:59Z"],
    ["to before the register began", "to=0001-01-01T00:00:00Z"],
  ])("answers 400 invalid_range to %s on the register and its export", async (_label, range) => {
    for (const path of ["/register", "/register.csv"]) {
      expectCatalogued(
        await call("GET", `${path}?township=511424100&${range}`, { user: "clerk-a" }),
        "invalid_range",
        `${path} ${range}`,
      );
    }
  });

  it("still answers a sound range", async () => {
    const answer = await call(
      "GET",
      "/register?township=511424100&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z",
      { user: "clerk-a" },
    );
    expect(answer.status).toBe(200);
  });
});
