/**
 * OWASP API Security Top 10 (2023) checks over real HTTP, on one scenario: 王建国's
 * homestead case through village review, acceptance, joint review and
 * approval, with everything this process writes to stdout/stderr captured (the
 * local cloud runs every function in-process, so handler, workflow-task and
 * runtime logs all land there).
 *
 * - API1 broken object-level authorization: other households' and other
 *   townships' cases answer 404 on every case route.
 * - API2 broken authentication: expired, wrong audience, wrong issuer,
 *   `alg: none` and tampered tokens answer 401 on protected routes.
 * - API3 broken object-property-level authorization: no response body of the
 *   scenario holds another household's personal data or a task token; masked
 *   ID numbers for staff whose step does not need them; no log line holds an
 *   ID number, phone number, bearer token or task token.
 * - API5 broken function-level authorization: villagers on reviewer and audit
 *   routes, auditors on write routes → 403.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed, vi } from "vitest";
import { policyFor } from "#shared/auth/policy.ts";
import { maskIdNumber } from "#shared/domain/id-number.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { ApiDriver } from "../support/api.ts";
import { PDF, sha256Hex } from "../support/documents.ts";
import { homesteadApplication, LI_HOUSEHOLD } from "../support/fixtures.ts";
import { eventually, startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, type Forgery, forgeToken, signInAs } from "../support/tokens.ts";

const A = "511424100";
/** Staff who read the case but do not work its personal data (the clerk and agriculture do), and auditors. */
const OTHER_STAFF = [
  "village-officer-a",
  "reviewer-housing-a",
  "head-a",
  "inspector-a",
  "auditor",
  "county-admin",
];
// Every line the Lambdas can write is scanned: their logger at DEBUG here, whatever the run's level
// (test/support/test-log-level.ts). Hoisted: the logger reads it when the imports above load it.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
});

let env: TestCloud;
const tokens = new Map<string, string>();
/** Every response body of the scenario, with who asked for it. */
const bodies: { userId: string; path: string; text: string }[] = [];
const logs: string[] = [];
const restore: (() => void)[] = [];

/**
 * Keeps what this process writes (the Lambdas log at DEBUG here) for the scan, instead of printing
 * it: a passing run's output stays the test report. A failed test prints what was kept.
 */
function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown) => {
      logs.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return true;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      logs.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    };
    restore.push(() => {
      console[level] = original;
    });
  }
}

/** The kept output, printed once, when a test of this file failed. */
let printedOnFailure = false;
function printCapturedOutput(): void {
  if (printedOnFailure) return;
  printedOnFailure = true;
  for (const undo of restore.splice(0).reverse()) undo();
  process.stderr.write(`owasp.test.ts: the output kept for the log scan\n${logs.join("\n")}\n`);
}

const api = new ApiDriver(() => env.cloud.endpoints, {
  // Every token handed out is a secret no body or log line may hold (API3).
  signIn: async (endpoints, userId) => {
    const token = await signInAs(endpoints, userId);
    tokens.set(userId, token);
    return token;
  },
  onResponse: (answer) => bodies.push(answer),
});

async function call<T = Record<string, unknown>>(
  userId: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  return (await api.apiAs(userId))<T>(method, path, body, headers);
}

const applyAndSubmit = (userId: string, application: ReturnType<typeof homesteadApplication>) =>
  api.applyAndSubmit(userId, "homestead", application);

/** The reviewer reads the case (so its body is checked too), then decides the step from the queue. */
async function decideFromQueue(userId: string, queue: string, caseId: string) {
  await api.queued(userId, queue, A, caseId);
  expect((await call(userId, "GET", `/review/cases/${caseId}`)).status).toBe(200);
  await api.decideFromQueue(userId, queue, A, caseId);
}

const wang = homesteadApplication();
const li = homesteadApplication(LI_HOUSEHOLD);
const secretsOf = (application: typeof wang) => [
  application.head.idNumber,
  application.head.phone,
  ...application.members.map((member) => member.idNumber),
];
let wangCase: string;
let liCase: string;
let zhangCase: string;
let taskTokens: string[] = [];

beforeAll(async () => {
  captureOutput();
  await playScenario().catch((error: unknown) => {
    printCapturedOutput();
    throw error;
  });
}, 240_000);
beforeEach(() => {
  onTestFailed(printCapturedOutput);
});
afterAll(async () => {
  for (const undo of restore.splice(0).reverse()) undo();
  await env?.stop();
});

/** The scenario every check below reads: two cases, one to its certificates, read by every role. */
async function playScenario(): Promise<void> {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  [wangCase, liCase] = await Promise.all([
    applyAndSubmit("villager-wang", wang),
    applyAndSubmit("villager-li", li),
  ]);
  zhangCase = (await call<{ caseId: string }>("villager-zhang", "POST", "/cases", { kind: "homestead" })).body
    .caseId;
  await decideFromQueue("village-officer-a", "village_officer", wangCase);
  await decideFromQueue("clerk-a", "township_clerk", wangCase);
  await Promise.all([
    decideFromQueue("reviewer-agriculture-a", "agriculture", wangCase),
    decideFromQueue("reviewer-natural-resources-a", "natural_resources", wangCase),
    decideFromQueue("reviewer-housing-a", "housing_construction", wangCase),
  ]);
  await decideFromQueue("head-a", "township_head", wangCase);
  await eventually(async () => {
    const view = await call<{ certificates?: unknown[] }>("villager-wang", "GET", `/cases/${wangCase}`);
    return view.body.certificates?.length === 2 ? true : undefined;
  }, 30_000);
  // Reads by every other role, for the property-level checks.
  for (const userId of OTHER_STAFF) {
    await call(userId, "GET", `/review/cases/${wangCase}`);
  }
  await call("auditor", "GET", `/audit/cases/${wangCase}/events`);
  await call("auditor", "GET", `/register?township=${A}`);
  // The task tokens the workflow handed out (TOKEN items), to look for them everywhere.
  for (const caseId of [wangCase, liCase]) {
    const { Items } = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.cloud.endpoints.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :token)",
        ExpressionAttributeValues: { ":pk": `CASE#${caseId}`, ":token": "TOKEN#" },
      }),
    );
    taskTokens.push(...(Items ?? []).map((item) => String(item.taskToken)));
  }
  taskTokens = taskTokens.filter((token) => token.length > 10);
}

describe("API1: broken object-level authorization", () => {
  it("answers 404 to every household route for another household's case", async () => {
    const routes = ROUTES.filter(
      (route) => policyFor(routeKey(route)).scope === "household" && route.path.includes("{caseId}"),
    );
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      const path = route.path
        .replace("{caseId}", liCase)
        .replace("{documentId}", "doc-1")
        .replace("{type}", "homestead_approval_certificate");
      const body = route.method === "GET" ? undefined : {};
      const response = await call("villager-wang", route.method, path, body, {
        "idempotency-key": `k-${Date.now()}-x`,
      });
      expect([404, 400], `${routeKey(route)}`).toContain(response.status);
      if (response.status === 400) {
        // A body check may answer first; with a valid body the answer is 404 (see the authorization matrix).
        expect(route.method).not.toBe("GET");
      }
    }
  });

  it("answers 404 for another township's case on staff and audit case routes", async () => {
    expect((await call("clerk-b", "GET", `/review/cases/${wangCase}`)).status).toBe(404);
    expect((await call("reviewer-agriculture-b", "GET", `/review/cases/${wangCase}`)).status).toBe(404);
    expect((await call("head-a", "GET", `/review/cases/${zhangCase}`)).status).toBe(404);
    const decision = `/review/cases/${wangCase}/steps/${encodeURIComponent("village_review#1")}/decision`;
    expect((await call("village-officer-b", "POST", decision, { outcome: "approved" })).status).toBe(404);
  });
});

describe("API2: broken authentication", () => {
  const forgeries: Forgery[] = [
    "expired",
    "wrong-audience",
    "wrong-issuer",
    "alg-none",
    "tampered-signature",
    "tampered-payload",
  ];
  it.each(forgeries)("answers 401 to a %s token on protected routes", async (forgery) => {
    const token = await forgeToken(
      { endpoints: env.cloud.endpoints, dataDir: env.dataDir },
      forgery,
      "auditor",
    );
    for (const path of [`/review/cases/${wangCase}`, `/audit/cases/${wangCase}/events`, "/register", "/me"]) {
      const response = await fetch(`${env.cloud.endpoints.api}${path}`, { headers: authHeader(token) });
      expect(response.status, `${forgery} ${path}`).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
    }
  });
});

describe("API3: broken object-property-level authorization", () => {
  it("never shows a household's personal data to another household or a task token to anyone", () => {
    expect(taskTokens.length).toBeGreaterThan(3);
    for (const { userId, path, text } of bodies) {
      for (const token of taskTokens) expect(text.includes(token), `task token in ${path}`).toBe(false);
      // The owner, and the roles whose step needs the numbers (shared/auth/policy.ts NEEDS_PERSONAL_DATA).
      if (!["villager-wang", "clerk-a", "reviewer-agriculture-a"].includes(userId)) {
        for (const secret of secretsOf(wang)) expect(text.includes(secret), `${userId} ${path}`).toBe(false);
      }
      if (userId !== "villager-li") {
        for (const secret of secretsOf(li)) expect(text.includes(secret), `${userId} ${path}`).toBe(false);
      }
    }
  });

  it("unmasks ID and phone numbers only for the clerk and agriculture; masks them for other staff", async () => {
    const masked = maskIdNumber(wang.head.idNumber);
    for (const userId of OTHER_STAFF) {
      const { body } = await call<{ application: { head: { idNumber: string; phone: string } } }>(
        userId,
        "GET",
        `/review/cases/${wangCase}`,
      );
      expect(body.application.head.idNumber, userId).toBe(masked);
      expect(body.application.head.phone, userId).toBe("138****8000");
    }
    for (const userId of ["clerk-a", "reviewer-agriculture-a"]) {
      const { body } = await call<{ application: { head: { idNumber: string } } }>(
        userId,
        "GET",
        `/review/cases/${wangCase}`,
      );
      expect(body.application.head.idNumber, userId).toBe(wang.head.idNumber);
    }
    const own = await call<{ application: { head: { idNumber: string } } }>(
      "villager-wang",
      "GET",
      `/cases/${wangCase}`,
    );
    expect(own.body.application.head.idNumber).toBe(wang.head.idNumber);
  });

  it("stores no ID or phone number in the clear in the case table", async () => {
    const { Items } = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.cloud.endpoints.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `CASE#${wangCase}` },
      }),
    );
    const stored = JSON.stringify(Items);
    for (const secret of secretsOf(wang)) expect(stored).not.toContain(secret);
    expect(stored).toContain('"alg":"AES-256-GCM"');
  });

  it("records every auditor read, the reviewer's case view included", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const { Items } = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.cloud.endpoints.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `AUDITLOG#${day}` },
      }),
    );
    const routes = (Items ?? []).map((item) => item.route);
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /review/cases/{caseId}",
        "GET /audit/cases/{caseId}/events",
        "GET /register",
      ]),
    );
  });

  it("writes no ID number, phone number, bearer token or task token to any log", () => {
    const output = logs.join("\n");
    // The scan saw the Lambdas' routine lines too, not only their warnings.
    expect(output).toContain('"message":"Request answered"');
    const leaks = [...secretsOf(wang), ...secretsOf(li), ...tokens.values(), ...taskTokens].filter((secret) =>
      output.includes(secret),
    );
    expect(leaks).toEqual([]);
  });
});

describe("API3: mass assignment", () => {
  const SERVER_OWNED = {
    status: "approved",
    steps: [],
    decisions: [],
    ownerId: "villager-li",
    householdId: "511424100001-H0002",
    townshipCode: "511424101",
    certificates: [{ type: "homestead_approval_certificate", number: "X" }],
    eventSeq: 99,
  };

  it("refuses server-owned fields in the body of every write route that takes one (400)", async () => {
    // A farmhouse draft: 王's household has its open homestead case (one household, one homestead).
    const draft = (await call<{ caseId: string }>("villager-wang", "POST", "/cases", { kind: "farmhouse" }))
      .body.caseId;
    const sha256 = sha256Hex(PDF);
    const attempts: [string, string, string, Record<string, unknown>][] = [
      ["villager-wang", "POST", "/cases", { kind: "homestead" }],
      ["villager-wang", "PUT", `/cases/${draft}/application`, { reason: "x" }],
      ["villager-wang", "POST", `/cases/${draft}/withdraw`, { reason: "x" }],
      [
        "villager-wang",
        "POST",
        `/cases/${draft}/documents`,
        { type: "id_card", contentType: "application/pdf", size: PDF.length, sha256 },
      ],
      ["villager-wang", "POST", `/cases/${draft}/correction`, { application: { reason: "x" } }],
      [
        "village-officer-a",
        "POST",
        `/review/cases/${wangCase}/steps/${encodeURIComponent("village_review#1")}/decision`,
        { outcome: "approved" },
      ],
    ];
    const writesWithBodies = ROUTES.filter((route) => policyFor(routeKey(route)).writes).length;
    expect(writesWithBodies).toBeGreaterThanOrEqual(attempts.length);
    for (const [userId, method, path, body] of attempts) {
      for (const [field, value] of Object.entries(SERVER_OWNED)) {
        const response = await call(userId, method, path, { ...body, [field]: value });
        expect(response.status, `${method} ${path} with ${field}`).toBe(400);
      }
      // Nested too: the form cannot carry them either.
      if (path.endsWith("/application")) {
        expect((await call(userId, method, path, { head: { name: "王", status: "approved" } })).status).toBe(
          400,
        );
      }
    }
    const view = await call<{ status: string }>("villager-wang", "GET", `/cases/${draft}`);
    expect(view.body.status).toBe("draft");
  });
});

describe("API5: broken function-level authorization", () => {
  it("refuses villagers on reviewer, queue, register and audit routes (403)", async () => {
    const paths: [string, string, unknown?][] = [
      ["GET", `/queues/village_officer?township=${A}`],
      ["GET", `/review/cases/${wangCase}`],
      [
        "POST",
        `/review/cases/${wangCase}/steps/${encodeURIComponent("village_review#1")}/decision`,
        { outcome: "approved" },
      ],
      ["GET", `/audit/cases/${wangCase}/events`],
      ["GET", "/audit/events?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z"],
      ["GET", `/register?township=${A}`],
    ];
    for (const [method, path, body] of paths) {
      expect((await call("villager-wang", method, path, body)).status, path).toBe(403);
    }
  });

  it("refuses auditors on every write route, and the county admin on every one but the reference import and incident recovery (403)", async () => {
    // Public writes (an objection to a public notice) take no token: whoever sends one is the public.
    const signedInWrites = ROUTES.filter((candidate) => {
      const policy = policyFor(routeKey(candidate));
      return policy.writes && policy.scope !== "public";
    });
    for (const route of signedInWrites) {
      const path = route.path
        .replace("{caseId}", wangCase)
        .replace("{documentId}", "doc-1")
        .replace("{stepId}", encodeURIComponent("village_review#1"))
        .replace("{incidentId}", "incident-1")
        .replace("{number}", "511424-ZJDPZ-2026-00001");
      // The county admin's writes: loading reference data (the county-scale import), recovering a
      // stuck case from the operator view and a certificate's life after issue (revoke, re-issue,
      // extend: the county over the township), their own messages; nothing of the application's content.
      const adminWrites = policyFor(routeKey(route)).roles.includes("county_admin");
      if (adminWrites) {
        expect([
          "POST /admin/imports",
          "POST /incidents/{caseId}/{incidentId}/recover",
          "POST /cases/{caseId}/certificates/{number}/revoke",
          "POST /cases/{caseId}/certificates/{number}/reissue",
          "POST /cases/{caseId}/certificates/{number}/extend",
          // Their own message centre (消息): read marks and SMS settings, never a case's content.
          "POST /messages/read",
          "PUT /messages/settings",
        ]).toContain(routeKey(route));
      }
      for (const userId of adminWrites ? ["auditor"] : ["auditor", "county-admin"]) {
        const response = await call(userId, route.method, path, {}, { "idempotency-key": "auditor-key-1" });
        expect(response.status, `${userId} ${routeKey(route)}`).toBe(403);
      }
    }
  });
});
