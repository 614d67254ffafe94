/**
 * The authorization matrix, generated from the policy table
 * (shared/auth/policy.ts): every route of infra/routes.ts × one demo user of
 * every role × the caller's own and another township (own and another
 * household's case for villagers) → the status the table and its object-level
 * rules promise. A route without a policy row or without a probe here fails
 * the first test, so a new route cannot ship unexamined.
 *
 * Expectations by category: `forbidden` (403: the role is not in the row),
 * `hidden` (404: outside the caller's household/townships/jurisdiction,
 * indistinguishable from a missing case), `ok` (the exact status a minimal
 * valid request gets once authorized).
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, routeKey } from "#infra/routes.ts";
import type { Role } from "#shared/auth/actor.ts";
import { POLICY, policyFor } from "#shared/auth/policy.ts";
import { DANLING_DEMO_POLICY } from "#shared/domain/policy/shipped-policies.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { authHeader, signInAs } from "../support/tokens.ts";

const TOWNSHIP_A = "511424100";
const TOWNSHIP_B = "511424101";

/** One demo user per role, all of township A (auditor and county admin cover both townships). */
const USERS: Readonly<Record<Role, string>> = {
  villager: "villager-wang",
  village_officer: "village-officer-a",
  township_clerk: "clerk-a",
  department_reviewer: "reviewer-agriculture-a",
  township_head: "head-a",
  site_inspector: "inspector-a",
  auditor: "auditor",
  county_admin: "county-admin",
};
/** The queue each case-working role reads. */
const OWN_QUEUE: Partial<Record<Role, string>> = {
  village_officer: "village_officer",
  township_clerk: "township_clerk",
  department_reviewer: "agriculture",
  township_head: "township_head",
  site_inspector: "site_inspector",
};

type Scope = "own" | "other";
interface Seeded {
  /** wang's draft (household H0001, township A), li's (another household, township A), zhang's (township B). */
  readonly wang: string;
  readonly li: string;
  readonly zhang: string;
  /** A second draft of wang's, withdrawn by the probe (a withdrawal ends a case). */
  readonly wangToWithdraw: string;
  /** A declared, never uploaded document of wang's case. */
  readonly wangDocument: string;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface Probe {
  /** The request for a caller of `role` in `scope` (villagers: own vs another household's case). */
  request(seeded: Seeded, role: Role, scope: Scope): Request;
  /** The status once the role passed the policy row; absent means the route has no own/other distinction. */
  expect(role: Role, scope: Scope): number;
}

const PDF = Buffer.from("%PDF-1.4\n%%EOF\n");
const DOCUMENT_TYPE = DANLING_DEMO_POLICY.requiredDocuments.homestead[0]?.typeId ?? "id_card";
const staffCase = (seeded: Seeded, scope: Scope) => (scope === "own" ? seeded.wang : seeded.zhang);
const villagerCase = (seeded: Seeded, scope: Scope) => (scope === "own" ? seeded.wang : seeded.li);
const anyCase = (seeded: Seeded, role: Role, scope: Scope) =>
  role === "villager" ? villagerCase(seeded, scope) : staffCase(seeded, scope);
const wideJurisdiction = (role: Role) => role === "auditor" || role === "county_admin";
/** Household routes: the owner gets `ok`, another household's case is hidden. */
const household = (ok: number) => (_role: Role, scope: Scope) => (scope === "own" ? ok : 404);
const anyone = (status: number) => () => status;
const day = new Date(Date.now() - 86_400_000).toISOString();
const tomorrow = new Date(Date.now() + 86_400_000).toISOString();

/** One probe per route key; a missing one fails the completeness test. */
const PROBES: Readonly<Record<string, Probe>> = {
  "GET /health": { request: () => ({ method: "GET", path: "/health" }), expect: anyone(200) },
  "GET /openapi.json": { request: () => ({ method: "GET", path: "/openapi.json" }), expect: anyone(200) },
  "GET /verify/{number}": {
    request: () => ({ method: "GET", path: "/verify/511424-ZJDPZ-2000-99999?format=json" }),
    expect: anyone(404),
  },
  "GET /me": { request: () => ({ method: "GET", path: "/me" }), expect: anyone(200) },
  "POST /admin/imports": {
    request: () => ({
      method: "POST",
      path: "/admin/imports",
      body: { type: "household", key: "imports/matrix-none.csv" },
    }),
    // The county admin passes the policy; no such upload exists.
    expect: anyone(404),
  },
  "POST /cases": {
    request: () => ({ method: "POST", path: "/cases", body: { kind: "homestead" } }),
    expect: anyone(201),
  },
  "GET /cases": { request: () => ({ method: "GET", path: "/cases" }), expect: anyone(200) },
  "GET /cases/{caseId}": {
    request: (s, r, scope) => ({ method: "GET", path: `/cases/${anyCase(s, r, scope)}` }),
    expect: household(200),
  },
  "PUT /cases/{caseId}/application": {
    request: (s, r, scope) => ({
      method: "PUT",
      path: `/cases/${anyCase(s, r, scope)}/application`,
      body: { reason: "扩建" },
    }),
    expect: household(200),
  },
  "POST /cases/{caseId}/submit": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/submit`,
      headers: { "idempotency-key": `matrix-${randomUUID()}` },
    }),
    // Incomplete drafts: 422 listing what is missing.
    expect: household(422),
  },
  "POST /cases/{caseId}/withdraw": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${r === "villager" && scope === "own" ? s.wangToWithdraw : anyCase(s, r, scope)}/withdraw`,
      body: {},
    }),
    expect: household(200),
  },
  "POST /cases/{caseId}/documents": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/documents`,
      body: {
        type: DOCUMENT_TYPE,
        contentType: "application/pdf",
        size: PDF.length,
        sha256: createHash("sha256").update(PDF).digest("hex"),
      },
    }),
    expect: household(201),
  },
  "POST /cases/{caseId}/documents/{documentId}/confirm": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/documents/${s.wangDocument}/confirm`,
    }),
    // Declared but never uploaded: 422 naming what differed.
    expect: household(422),
  },
  "GET /cases/{caseId}/documents": {
    request: (s, r, scope) => ({ method: "GET", path: `/cases/${anyCase(s, r, scope)}/documents` }),
    expect: household(200),
  },
  "GET /cases/{caseId}/certificates/{type}": {
    request: (s, r, scope) => ({
      method: "GET",
      path: `/cases/${anyCase(s, r, scope)}/certificates/homestead_approval_certificate`,
    }),
    // A draft has no certificate yet: 404 for the owner too (so this row only shows the 403s).
    expect: household(404),
  },
  "GET /cases/{caseId}/correction": {
    request: (s, r, scope) => ({ method: "GET", path: `/cases/${anyCase(s, r, scope)}/correction` }),
    expect: household(404),
  },
  "POST /cases/{caseId}/correction": {
    request: (s, r, scope) => ({
      method: "POST",
      path: `/cases/${anyCase(s, r, scope)}/correction`,
      body: {},
    }),
    // No correction awaited on a draft.
    expect: household(409),
  },
  "GET /queues/{queue}": {
    request: (_s, role, scope) => ({
      method: "GET",
      path: `/queues/${OWN_QUEUE[role] ?? "township_clerk"}?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    // Another township's queue is refused outright (the caller names the township).
    expect: (_role, scope) => (scope === "own" ? 200 : 403),
  },
  "GET /review/cases/{caseId}": {
    request: (s, _r, scope) => ({ method: "GET", path: `/review/cases/${staffCase(s, scope)}` }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 404),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/decision": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/review/cases/${staffCase(s, scope)}/steps/${encodeURIComponent("village_review#1")}/decision`,
      body: { outcome: "approved" },
    }),
    // A draft has no steps: 404 in either township (the 403s are the policy's).
    expect: anyone(404),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/review/cases/${staffCase(s, scope)}/steps/${encodeURIComponent("site_visit_staking#1")}/photos`,
      body: { contentType: "image/jpeg", size: 1000, sha256: "a".repeat(64) },
    }),
    expect: anyone(404),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/photos/{photoId}/confirm": {
    request: (s, _r, scope) => ({
      method: "POST",
      path: `/review/cases/${staffCase(s, scope)}/steps/${encodeURIComponent("site_visit_staking#1")}/photos/${randomUUID()}/confirm`,
    }),
    expect: anyone(404),
  },
  "POST /review/cases/{caseId}/steps/{stepId}/redrive": {
    request: (s, role, scope) => ({
      method: "POST",
      path: `/review/cases/${anyCase(s, role, scope)}/steps/${encodeURIComponent("correction#1")}/redrive`,
    }),
    expect: anyone(404),
  },
  "GET /audit/cases/{caseId}/events": {
    request: (s, _r, scope) => ({ method: "GET", path: `/audit/cases/${staffCase(s, scope)}/events` }),
    expect: anyone(200),
  },
  "GET /audit/cases/{caseId}/verify": {
    request: (s, _r, scope) => ({ method: "GET", path: `/audit/cases/${staffCase(s, scope)}/verify` }),
    expect: anyone(200),
  },
  "GET /audit/events": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/audit/events?from=${day}&to=${tomorrow}&township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: anyone(200),
  },
  "GET /audit/events.csv": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/audit/events.csv?from=${day}&to=${tomorrow}&township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: anyone(200),
  },
  "GET /register": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/register?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
  "GET /register.csv": {
    request: (_s, _r, scope) => ({
      method: "GET",
      path: `/register.csv?township=${scope === "own" ? TOWNSHIP_A : TOWNSHIP_B}`,
    }),
    expect: (role, scope) => (scope === "own" || wideJurisdiction(role) ? 200 : 403),
  },
};

let env: TestCloud;
let seeded: Seeded;
const tokens = new Map<string, string>();

async function call(userId: string | undefined, request: Request): Promise<number> {
  let token: string | undefined;
  if (userId) {
    token = tokens.get(userId) ?? (await signInAs(env.cloud.endpoints, userId));
    tokens.set(userId, token);
  }
  const response = await fetch(`${env.cloud.endpoints.api}${request.path}`, {
    method: request.method,
    headers: {
      "content-type": "application/json",
      ...(token ? authHeader(token) : {}),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function json<T>(userId: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = tokens.get(userId) ?? (await signInAs(env.cloud.endpoints, userId));
  tokens.set(userId, token);
  const response = await fetch(`${env.cloud.endpoints.api}${path}`, {
    method,
    headers: { "content-type": "application/json", ...authHeader(token) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} as ${userId}: ${response.status}`);
  return (await response.json()) as T;
}

/** Runs `tasks` with at most `limit` in flight: the machine is small and shared. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        const task = tasks[index];
        if (task) results[index] = await task();
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  env = await startTestCloud({ context: { countyPolicy: "danling-demo" } });
  const draft = async (userId: string) =>
    (await json<{ caseId: string }>(userId, "POST", "/cases", { kind: "homestead" })).caseId;
  const [wang, li, zhang, wangToWithdraw] = await Promise.all([
    draft("villager-wang"),
    draft("villager-li"),
    draft("villager-zhang"),
    draft("villager-wang"),
  ]);
  if (!wang || !li || !zhang || !wangToWithdraw) throw new Error("seeding failed");
  const document = await json<{ documentId: string }>("villager-wang", "POST", `/cases/${wang}/documents`, {
    type: DOCUMENT_TYPE,
    contentType: "application/pdf",
    size: PDF.length,
    sha256: createHash("sha256").update(PDF).digest("hex"),
  });
  seeded = { wang, li, zhang, wangToWithdraw, wangDocument: document.documentId };
}, 120_000);
afterAll(async () => {
  await env?.stop();
});

describe("the authorization matrix", () => {
  it("covers every route of infra/routes.ts with a policy row and a probe", () => {
    for (const route of ROUTES) {
      expect(POLICY[routeKey(route)], `policy row for ${routeKey(route)}`).toBeDefined();
      expect(PROBES[routeKey(route)], `matrix probe for ${routeKey(route)}`).toBeDefined();
    }
  });

  it("answers every protected route 401 without a token", async () => {
    const protectedRoutes = ROUTES.filter((route) => route.access !== "public");
    const statuses = await pool(
      protectedRoutes.map((route) => async () => {
        const probe = PROBES[routeKey(route)];
        if (!probe) throw new Error(`no probe for ${routeKey(route)}`);
        return [routeKey(route), await call(undefined, probe.request(seeded, "villager", "own"))] as const;
      }),
      4,
    );
    expect(statuses.filter(([, status]) => status !== 401)).toEqual([]);
  });

  it("answers every route × role × own/other scope as the policy table says", async () => {
    const cases = ROUTES.flatMap((route) => {
      const key = routeKey(route);
      const policy = policyFor(key);
      return (Object.keys(USERS) as Role[]).flatMap((role) =>
        (["own", "other"] as const).map((scope) => ({ key, role, scope, policy })),
      );
    });
    // Withdrawal ends the case it is probed on, so it runs after every other probe of those cases.
    const withdrawLast = [...cases].sort(
      (a, b) =>
        Number(a.key === "POST /cases/{caseId}/withdraw") - Number(b.key === "POST /cases/{caseId}/withdraw"),
    );
    const results = await pool(
      withdrawLast.map(({ key, role, scope, policy }) => async () => {
        const probe = PROBES[key];
        if (!probe) throw new Error(`no probe for ${key}`);
        const expected =
          policy.scope === "public" || policy.roles.includes(role) ? probe.expect(role, scope) : 403;
        const actual = await call(USERS[role], probe.request(seeded, role, scope));
        return { cell: `${key} as ${role} (${scope})`, expected, actual };
      }),
      4,
    );
    const mismatches = results.filter((result) => result.expected !== result.actual);
    expect(mismatches).toEqual([]);
  }, 240_000);
});
