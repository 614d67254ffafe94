import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { apiGatewayClaimValue } from "#infra/local/jwt-authorizer.ts";
import { amrOf, loadDemoDirectory } from "#infra/local/oidc-issuer.ts";
import { actorFromClaims, ROLES, SecondFactorMissingError } from "#shared/auth/actor.ts";
import {
  authenticationMethods,
  methodsOf,
  needsMultiFactor,
  provesMultiFactor,
  SINGLE_FACTOR_ROLES,
} from "#shared/auth/mfa.ts";
import { errorAnswer } from "#shared/http/error-mapping.ts";
import { httpRoute, ok } from "#shared/http/handler.ts";

const clerk = { sub: "clerk-a", "custom:role": "township_clerk", "custom:townships": "511424100" };
const villager = { sub: "villager-wang", "custom:role": "villager", "custom:household": "h1" };

describe("who needs multi-factor evidence", () => {
  it("is every role but the villager's", () => {
    expect(SINGLE_FACTOR_ROLES).toEqual(["villager"]);
    for (const role of ROLES) expect(needsMultiFactor(role), role).toBe(role !== "villager");
  });

  it("is also any account without a known role (fails closed)", () => {
    expect(needsMultiFactor(undefined)).toBe(true);
    expect(needsMultiFactor("")).toBe(true);
    expect(needsMultiFactor("Villager")).toBe(true);
  });
});

describe("authentication methods from claims", () => {
  it("reads a JSON array, API Gateway's rendering of one, and a space- or comma-separated string", () => {
    expect(methodsOf(["pwd", "otp", "mfa"])).toEqual(["pwd", "otp", "mfa"]);
    expect(methodsOf(apiGatewayClaimValue(["pwd", "otp", "mfa"]))).toEqual(["pwd", "otp", "mfa"]);
    expect(methodsOf("pwd mfa")).toEqual(["pwd", "mfa"]);
    expect(methodsOf("pwd,otp")).toEqual(["pwd", "otp"]);
    expect(methodsOf('["pwd","mfa"]')).toEqual(["pwd", "mfa"]);
  });

  it("reads nothing from absent or non-string values", () => {
    for (const value of [undefined, null, 42, true, {}, [1, 2], "", "[]"])
      expect(methodsOf(value)).toEqual([]);
  });

  it("takes amr and the Cognito trigger's nongfang:amr together", () => {
    expect(authenticationMethods({ amr: "[pwd]", "nongfang:amr": "pwd mfa" }).sort()).toEqual(["mfa", "pwd"]);
    expect(authenticationMethods({ "x:amr": "mfa" })).toEqual([]);
  });
});

describe("what proves multi-factor authentication", () => {
  it.each([
    [["mfa"]],
    [["pwd", "mfa"]],
    [["pwd", "otp"]],
    [["pwd", "sms"]],
    [["pin", "hwk"]],
    [["swk", "fpt"]],
  ])("%j does", (methods) => {
    expect(provesMultiFactor(methods)).toBe(true);
  });

  it.each([
    [[]],
    [["pwd"]],
    [["otp"]],
    [["sms"]],
    [["hwk"]],
    [["pwd", "pin"]],
    [["otp", "sms"]],
    [["pwd", "user"]],
    [["pwd", "MFA"]],
  ])("%j does not", (methods) => {
    expect(provesMultiFactor(methods)).toBe(false);
  });
});

describe("actorFromClaims", () => {
  it("refuses a staff token without multi-factor evidence with 401 insufficient_user_authentication", () => {
    for (const claims of [clerk, { ...clerk, amr: "[pwd]" }, { ...clerk, amr: "[sms]" }]) {
      let thrown: unknown;
      try {
        actorFromClaims(claims);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SecondFactorMissingError);
      const message = (thrown as Error).message;
      expect(message).toMatch(/township_clerk.*multi-factor/);
      expect(errorAnswer(thrown)).toMatchObject({
        statusCode: 401,
        body: { error: { code: "insufficient_user_authentication", message } },
        headers: {
          "www-authenticate": `Bearer error="insufficient_user_authentication", error_description="${message}"`,
        },
      });
    }
  });

  it("accepts a staff token whose amr or nongfang:amr proves MFA", () => {
    expect(actorFromClaims({ ...clerk, amr: "[pwd otp mfa]" }).role).toBe("township_clerk");
    expect(actorFromClaims({ ...clerk, "nongfang:amr": "pwd mfa" }).role).toBe("township_clerk");
    expect(actorFromClaims({ ...clerk, amr: ["pwd", "otp"] }).role).toBe("township_clerk");
  });

  it("accepts a villager with one factor, or none named", () => {
    expect(actorFromClaims({ ...villager, amr: "[sms]" }).householdId).toBe("h1");
    expect(actorFromClaims(villager).householdId).toBe("h1");
  });
});

describe("the HTTP stack", () => {
  const event = (claims: Record<string, string>): APIGatewayProxyEventV2 =>
    ({
      version: "2.0",
      routeKey: "GET /me",
      rawPath: "/me",
      rawQueryString: "",
      headers: {},
      requestContext: { http: { method: "GET", path: "/me" }, authorizer: { jwt: { claims } } },
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;

  it("answers 401 with an RFC 9470 WWW-Authenticate challenge before the use case runs", async () => {
    let ran = 0;
    const handler = httpRoute("GET /me", {}, async () => {
      ran++;
      return ok({});
    });
    const refused = await handler(event({ ...clerk, amr: "[pwd]" }), {} as Context);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers?.["www-authenticate"]).toMatch(/^Bearer error="insufficient_user_authentication"/);
    expect(JSON.parse(String(refused.body))).toMatchObject({
      error: { code: "insufficient_user_authentication" },
    });
    expect(ran).toBe(0);
    expect((await handler(event({ ...clerk, amr: "[pwd otp mfa]" }), {} as Context)).statusCode).toBe(200);
    expect(ran).toBe(1);
  });
});

describe("the local issuer's demo users", () => {
  it("sign staff in with pwd + otp + mfa and villagers with an SMS code", async () => {
    const { users } = await loadDemoDirectory();
    for (const user of users) {
      expect(provesMultiFactor(amrOf(user)), user.id).toBe(user.role !== "villager");
      expect(amrOf(user)).toEqual(user.role === "villager" ? ["sms"] : ["pwd", "otp", "mfa"]);
    }
  });
});
