import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  ALL_ROLES,
  MissingPolicyError,
  NEEDS_PERSONAL_DATA,
  POLICY,
  policyFor,
  seesPersonalData,
} from "#shared/auth/policy.ts";
import { ownsCase, staffCovers } from "#shared/auth/scope.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";
import { ROUTES, routeKey } from "#shared/http/routes.ts";
import { maskApplication, mergeSecrets, splitApplication } from "#shared/personal-data/application.ts";
import { homesteadApplication } from "../support/fixtures.ts";

const context = {} as Context;
const eventAs = (claims?: Record<string, string>): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    routeKey: "GET /x",
    rawPath: "/x",
    rawQueryString: "",
    headers: {},
    requestContext: {
      http: { method: "GET", path: "/x" },
      ...(claims ? { authorizer: { jwt: { claims } } } : {}),
    },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

describe("the authorization policy table", () => {
  it("has a row for every route of shared/http/routes.ts", () => {
    const missing = ROUTES.map(routeKey).filter((key) => POLICY[key] === undefined);
    expect(missing).toEqual([]);
  });

  it("has no row for a route that does not exist", () => {
    const keys = new Set(ROUTES.map(routeKey));
    expect(Object.keys(POLICY).filter((key) => !keys.has(key))).toEqual([]);
  });

  it("agrees with the route table on which routes are public, and public rows list no roles", () => {
    for (const route of ROUTES) {
      const policy = policyFor(routeKey(route));
      expect(policy.scope === "public", routeKey(route)).toBe(route.access === "public");
      if (policy.scope === "public") expect(policy.roles).toEqual([]);
      else expect(policy.roles.length, routeKey(route)).toBeGreaterThan(0);
    }
  });

  it("never lets an auditor call a write route, and every write is a POST, PUT, PATCH or DELETE", () => {
    for (const route of ROUTES) {
      const policy = policyFor(routeKey(route));
      expect(policy.writes, routeKey(route)).toBe(route.method !== "GET");
      if (policy.writes) expect(policy.roles, routeKey(route)).not.toContain("auditor");
    }
  });

  it("keeps villagers off the reviewer, queue and audit routes (redrive of their own correction aside)", () => {
    for (const key of Object.keys(POLICY)) {
      if (!/^(GET|POST) \/(queues|review|audit|register)/.test(key)) continue;
      const expected = key === "POST /review/cases/{caseId}/steps/{stepId}/redrive";
      expect(policyFor(key).roles.includes("villager"), key).toBe(expected);
    }
  });

  it("fails at load when a handler names a route without a policy row", () => {
    expect(() => httpRoute("GET /nowhere", {}, async () => ok({}))).toThrow(MissingPolicyError);
  });

  it("answers 401 without claims and 403 for a role the row does not list, before the use case runs", async () => {
    let ran = 0;
    const handler = httpRoute("GET /audit/events", {}, async () => {
      ran++;
      return ok({});
    });
    expect((await handler(eventAs(), context)).statusCode).toBe(401);
    const villager = { sub: "v", "custom:role": "villager", "custom:household": "h1" };
    expect((await handler(eventAs(villager), context)).statusCode).toBe(403);
    expect(ran).toBe(0);
    const auditor = {
      sub: "a",
      "custom:role": "auditor",
      "custom:townships": "511424",
      amr: "[pwd otp mfa]",
    };
    expect((await handler(eventAs(auditor), context)).statusCode).toBe(200);
    expect(ran).toBe(1);
  });
});

describe("who sees personal data unmasked", () => {
  const reviewCase = policyFor("GET /review/cases/{caseId}");

  it("is the owner household on its own routes", () => {
    expect(seesPersonalData(policyFor("GET /cases/{caseId}"), { role: "villager" })).toBe(true);
  });

  it("is only the township clerk and agriculture reviewers on the reviewer's case view", () => {
    const seeing = ALL_ROLES.flatMap((role) =>
      (role === "department_reviewer"
        ? (["agriculture", "natural_resources", "forestry"] as const).map((department) => ({
            role,
            department,
          }))
        : [{ role }]
      ).filter((actor) => seesPersonalData(reviewCase, actor)),
    );
    expect(seeing).toEqual([
      { role: "township_clerk" },
      { role: "department_reviewer", department: "agriculture" },
    ]);
    expect(NEEDS_PERSONAL_DATA).toHaveLength(2);
  });

  it("is nobody on masked routes (verification, register, audit)", () => {
    for (const key of ["GET /verify/{number}", "GET /register", "GET /audit/cases/{caseId}/events"]) {
      for (const role of ALL_ROLES)
        expect(seesPersonalData(policyFor(key), { role }), `${key} ${role}`).toBe(false);
    }
  });

  it("masks ID numbers as 5114**********1234 and phones as 138****5678, members included", () => {
    const application = homesteadApplication({
      head: { ...homesteadApplication().head, idNumber: "511424198003141234", phone: "13812345678" },
    });
    const masked = maskApplication(application);
    expect(masked.head?.idNumber).toBe("5114**********1234");
    expect(masked.head?.phone).toBe("138****5678");
    for (const member of masked.members ?? []) expect(member.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(masked.head?.name).toBe(application.head.name);
  });

  it("splits the numbers out of a form and merges them back unchanged", () => {
    const application = homesteadApplication();
    const { rest, secrets } = splitApplication(application);
    expect(JSON.stringify(rest)).not.toContain(application.head.idNumber);
    expect(JSON.stringify(rest)).not.toContain(application.head.phone);
    expect(mergeSecrets(rest, secrets)).toEqual(application);
    const partial = splitApplication({ members: [{ name: "a" }, { idNumber: "1" }] });
    expect(mergeSecrets(partial.rest, partial.secrets)).toEqual({
      members: [{ name: "a" }, { idNumber: "1" }],
    });
  });
});

describe("object-level scope rules", () => {
  it("a villager owns only their household's cases; staff never own one", () => {
    expect(ownsCase({ role: "villager", householdId: "h1" }, { householdId: "h1" })).toBe(true);
    expect(ownsCase({ role: "villager", householdId: "h2" }, { householdId: "h1" })).toBe(false);
    expect(ownsCase({ role: "villager" }, { householdId: "h1" })).toBe(false);
    expect(ownsCase({ role: "township_clerk", householdId: "h1" }, { householdId: "h1" })).toBe(false);
  });

  it("case workers cover exact townships; auditors and the county admin their jurisdiction", () => {
    expect(staffCovers({ role: "township_clerk", townships: ["511424100"] }, "511424100")).toBe(true);
    expect(staffCovers({ role: "township_clerk", townships: ["511424100"] }, "511424101")).toBe(false);
    expect(staffCovers({ role: "township_clerk", townships: ["511424"] }, "511424101")).toBe(false);
    expect(staffCovers({ role: "auditor", townships: ["511424"] }, "511424101")).toBe(true);
    expect(staffCovers({ role: "county_admin", townships: ["511424100"] }, "511424101")).toBe(false);
    expect(staffCovers({ role: "villager", townships: ["511424100"] }, "511424100")).toBe(false);
  });
});
