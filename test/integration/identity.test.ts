import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayClaimValue, createLocalJwtAuthorizer } from "#infra/local/jwt-authorizer.ts";
import { loadDemoDirectory } from "#infra/local/oidc-issuer.ts";
import { ROLES } from "#shared/auth/actor.ts";
import { DEPARTMENT_IDS } from "#shared/schemas/common.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import {
  authHeader,
  FORGERIES,
  forgeToken,
  signInAs,
  signWithIssuerKey,
  tokensFor,
  tokenWithMethods,
} from "../support/tokens.ts";

// A data folder of our own (not startTestCloud's), so the cloud can be restarted on it.
let dataDir: string;
let env: TestCloud;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "nongfang-identity-"));
  env = await startTestCloud({ dataDir });
});
afterAll(async () => {
  await env?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const issuer = () => env.cloud.endpoints.auth.issuer;
const api = () => env.cloud.endpoints.api;
const webApp = () => `${api()}/app/signed-in`;
const me = (headers: Record<string, string> = {}) => fetch(`${api()}/me`, { headers });
const authorizeUrl = (redirectUri: string, clientId = env.cloud.endpoints.auth.clientId) =>
  `${issuer()}/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, state: "s-42", nonce: "n-7", response_type: "id_token token" })}`;

describe("local OIDC issuer", () => {
  it("serves a discovery document and a JWKS with one RS256 public key", async () => {
    const discovery = await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer: issuer(),
      authorization_endpoint: `${issuer()}/authorize`,
      token_endpoint: `${issuer()}/token`,
      jwks_uri: `${issuer()}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty("d"); // never the private half
  });

  it("issues RS256 tokens with iss, aud, exp one hour after iat, nbf and the actor claims", async () => {
    const tokens = await tokensFor(env.cloud.endpoints, "reviewer-water-a");
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    for (const token of [tokens.access_token, tokens.id_token]) {
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: expect.any(String) });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({
        iss: issuer(),
        aud: "nongfang-web",
        sub: "reviewer-water-a",
        name: "吴涛",
        "custom:role": "department_reviewer",
        "custom:department": "water",
        "custom:townships": "511424100",
      });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
      expect(claims.nbf).toBe(claims.iat);
    }
  });

  it("answers POST /token for an unknown user with 400 invalid_grant", async () => {
    const response = await fetch(`${issuer()}/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "nobody" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("has demo users for every role and every department, in two townships", async () => {
    const { users } = await loadDemoDirectory();
    for (const role of ROLES)
      expect(
        users.some((user) => user.role === role),
        role,
      ).toBe(true);
    for (const department of DEPARTMENT_IDS) {
      expect(
        users.some((user) => user.department === department && user.townships?.includes("511424100")),
      ).toBe(true);
    }
    const villagersInA = users.filter(
      (user) => user.role === "villager" && user.village?.startsWith("511424100"),
    );
    expect(new Set(villagersInA.map((user) => user.household)).size).toBeGreaterThanOrEqual(2);
    expect(users.some((user) => user.role === "villager" && user.village?.startsWith("511424101"))).toBe(
      true,
    );
  });
});

describe("sign-in page and /authorize", () => {
  it("lists the demo users grouped by role, zh-CN first, sized for a phone", async () => {
    const response = await fetch(authorizeUrl(webApp()));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    for (const role of ROLES) expect(html).toContain(`data-role="${role}"`);
    const { users } = await loadDemoDirectory();
    for (const user of users) expect(html).toContain(`data-user="${user.id}"`);
  });

  it("redirects to an allowed redirect_uri with the tokens and state in the fragment", async () => {
    const response = await fetch(`${issuer()}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: "nongfang-web",
        redirect_uri: webApp(),
        state: "s-42",
        nonce: "n-7",
        username: "villager-li",
      }),
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(webApp());
    expect(location.search).toBe(""); // tokens only in the fragment, which never reaches a server
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get("state")).toBe("s-42");
    expect(fragment.get("token_type")).toBe("Bearer");
    expect(decodeJwt(fragment.get("id_token") ?? "")).toMatchObject({ nonce: "n-7", sub: "villager-li" });
    const caller = await me(authHeader(fragment.get("access_token") ?? ""));
    expect(caller.status).toBe(200);
    expect(await caller.json()).toMatchObject({ id: "villager-li", role: "villager" });
  });

  it.each([
    ["another origin", "https://evil.example.com/callback"],
    ["another port", "http://127.0.0.1:1/callback"],
    ["a fragment", "{web}#x"],
    ["not a URL", "callback"],
  ])("refuses a redirect_uri with %s: 400, no redirect", async (_what, redirectUri) => {
    const target = redirectUri.replace("{web}", webApp());
    const shown = await fetch(authorizeUrl(target), { redirect: "manual" });
    expect(shown.status).toBe(400);
    const chosen = await fetch(`${issuer()}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "nongfang-web", redirect_uri: target, username: "clerk-a" }),
    });
    expect(chosen.status).toBe(400);
    expect(chosen.headers.get("location")).toBeNull();
  });

  it("refuses an unknown client_id with 400", async () => {
    expect((await fetch(authorizeUrl(webApp(), "other-app"))).status).toBe(400);
  });
});

describe("GET /me behind the local JWT authorizer", () => {
  it.each([
    ["reviewer-water-a", { role: "department_reviewer", department: "water", townships: ["511424100"] }],
    [
      "reviewer-agriculture-b",
      { role: "department_reviewer", department: "agriculture", townships: ["511424101"] },
    ],
    [
      "villager-wang",
      { role: "villager", village: "511424100001", household: "511424100001-H0001", townships: [] },
    ],
    ["auditor", { role: "auditor", department: null, townships: ["511424100", "511424101"] }],
  ])("answers %s with the claims of their token", async (userId, expected) => {
    const response = await me(authHeader(await signInAs(env.cloud.endpoints, userId)));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: userId, ...expected });
  });

  it("accepts the ID token too (what a web app sends behind Cognito)", async () => {
    const { id_token } = await tokensFor(env.cloud.endpoints, "head-b");
    const response = await me(authHeader(id_token));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ role: "township_head", townships: ["511424101"] });
  });

  it("answers 401 without a token or with a malformed one", async () => {
    const malformed: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Bearer not.a.jwt" },
      { authorization: "Basic abc" },
    ];
    for (const headers of malformed) {
      const response = await me(headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
    }
  });

  it.each(FORGERIES)("answers 401 Unauthorized to a token that is %s", async (forgery) => {
    const response = await me(
      authHeader(await forgeToken({ endpoints: env.cloud.endpoints, dataDir }, forgery)),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthorized" });
  });

  it("accepts the same claims re-signed with the issuer's key (so each forgery fails only for its flaw)", async () => {
    const claims = decodeJwt(await signInAs(env.cloud.endpoints, "clerk-a"));
    expect((await me(authHeader(await signWithIssuerKey(dataDir, claims)))).status).toBe(200);
  });

  it("checks client_id only when aud is absent, like API Gateway (Cognito access tokens have no aud)", async () => {
    const { aud: _aud, ...claims } = decodeJwt(await signInAs(env.cloud.endpoints, "clerk-a"));
    const accepted = await signWithIssuerKey(dataDir, { ...claims, client_id: "nongfang-web" });
    expect((await me(authHeader(accepted))).status).toBe(200);
    const refused = await signWithIssuerKey(dataDir, { ...claims, client_id: "other-app" });
    expect((await me(authHeader(refused))).status).toBe(401);
    const neither = await signWithIssuerKey(dataDir, { ...claims, client_id: undefined });
    expect((await me(authHeader(neither))).status).toBe(401);
  });

  it("still serves the public /health without a token", async () => {
    const response = await fetch(`${api()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("hands the integration API Gateway's claim format: every value a string, scopes from `scope`", async () => {
    const authorize = createLocalJwtAuthorizer({ issuer: issuer(), audience: ["nongfang-web"] });
    const token = await signInAs(env.cloud.endpoints, "auditor");
    const context = await authorize({ authorization: `Bearer ${token}` });
    const claims = context?.jwt.claims ?? {};
    for (const value of Object.values(claims)) expect(typeof value).toBe("string");
    expect(claims.exp).toBe(String(decodeJwt(token).exp));
    expect(claims["custom:townships"]).toBe("511424100,511424101");
    expect(context?.jwt.scopes).toEqual(["openid", "profile"]);
    // API Gateway accepts the bare token as well as "Bearer <token>".
    expect(await authorize({ authorization: token })).toBeDefined();
    expect(apiGatewayClaimValue(["a", "b"])).toBe("[a b]");
    expect(apiGatewayClaimValue(true)).toBe("true");
  });
});

describe("multi-factor evidence for staff (amr)", () => {
  const signing = () => ({ endpoints: env.cloud.endpoints, dataDir });
  const decision = (headers: Record<string, string>) =>
    fetch(`${api()}/review/cases/C-0001/steps/${encodeURIComponent("STEP#village_review#1")}/decision`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ outcome: "approved" }),
    });

  it("is in every token the local issuer signs: pwd, otp, mfa for staff, an SMS code for villagers", async () => {
    for (const [userId, amr] of [
      ["clerk-a", ["pwd", "otp", "mfa"]],
      ["auditor", ["pwd", "otp", "mfa"]],
      ["villager-wang", ["sms"]],
    ] as const) {
      const tokens = await tokensFor(env.cloud.endpoints, userId);
      expect(decodeJwt(tokens.access_token).amr, userId).toEqual(amr);
      expect(decodeJwt(tokens.id_token).amr, userId).toEqual(amr);
    }
  });

  it.each([
    ["no amr at all", {}],
    ["a password only", { amr: ["pwd"] }],
    ["an SMS code only", { amr: ["sms"] }],
  ])(
    "refuses a staff token with %s: 401 insufficient_user_authentication, reads and writes alike",
    async (_what, methods) => {
      const headers = authHeader(await tokenWithMethods(signing(), "clerk-a", methods));
      for (const response of [await me(headers), await decision(headers)]) {
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(
          /^Bearer error="insufficient_user_authentication"/,
        );
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("insufficient_user_authentication");
        expect(body.error.message).toMatch(/multi-factor/);
      }
    },
  );

  it("accepts staff whose token carries the Cognito trigger's nongfang:amr, or pwd + otp without mfa", async () => {
    for (const methods of [{ nongfangAmr: "pwd mfa" }, { amr: ["pwd", "otp"] }]) {
      const response = await me(authHeader(await tokenWithMethods(signing(), "clerk-a", methods)));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: "clerk-a", role: "township_clerk" });
    }
  });

  it("lets villagers in with one factor, or none named", async () => {
    for (const methods of [{ amr: ["sms"] }, {}]) {
      const response = await me(authHeader(await tokenWithMethods(signing(), "villager-li", methods)));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: "villager-li", role: "villager" });
    }
  });
});

describe("after a restart on the same data folder", () => {
  it("keeps the issuer URL and key, so a token issued before still verifies", async () => {
    const token = await signInAs(env.cloud.endpoints, "clerk-b");
    const before = env.cloud.endpoints.auth.issuer;
    await env.stop();
    env = await startTestCloud({ dataDir });
    expect(env.cloud.endpoints.auth.issuer).toBe(before);
    const response = await me(authHeader(token));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: "clerk-b", role: "township_clerk" });
  });
});
