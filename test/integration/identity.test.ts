import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayClaimValue, createLocalJwtAuthorizer } from "#infra/local/jwt-authorizer.ts";
import { loadDemoDirectory } from "#infra/local/oidc-issuer.ts";
import { ROLES } from "#shared/auth/actor.ts";
import { codeChallengeS256, createCodeVerifier } from "#shared/auth/pkce.ts";
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

interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}
const pkce = async (): Promise<Pkce> => {
  const verifier = createCodeVerifier();
  return { verifier, challenge: await codeChallengeS256(verifier) };
};
const VILLAGER_CLIENT = "nongfang-web";
const STAFF_CLIENT = "nongfang-web-staff";

/** The authorization request the web app sends (web/src/oidc.ts), with overrides. */
const authorizeParams = (challenge: string, overrides: Record<string, string | undefined> = {}) => {
  const params: Record<string, string | undefined> = {
    response_type: "code",
    client_id: VILLAGER_CLIENT,
    redirect_uri: webApp(),
    scope: "openid profile",
    state: "s-42",
    nonce: "n-7",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...overrides,
  };
  return new URLSearchParams(
    Object.entries(params).filter((pair): pair is [string, string] => pair[1] !== undefined),
  );
};
/** What the sign-in page's form posts when a demo user is chosen. */
const choose = (params: URLSearchParams, username: string) =>
  fetch(`${issuer()}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams([...params, ["username", username]]),
  });
/** Signs a demo user in up to the redirect; returns the code. */
const codeFor = async (username: string, challenge: string, overrides: Record<string, string> = {}) => {
  const response = await choose(authorizeParams(challenge, overrides), username);
  expect(response.status).toBe(303);
  const code = new URL(response.headers.get("location") ?? "").searchParams.get("code");
  expect(code).toEqual(expect.any(String));
  return code ?? "";
};
/** The web app's token request (form-encoded, public client, PKCE verifier). */
const redeem = (fields: Record<string, string>, origin?: string) =>
  fetch(`${issuer()}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(origin ? { origin } : {}),
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      redirect_uri: webApp(),
      client_id: VILLAGER_CLIENT,
      ...fields,
    }),
  });

describe("authorization code flow with PKCE", () => {
  it("is what the discovery document offers: code, S256, no implicit grant, public clients, an end-session endpoint", async () => {
    const discovery = await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      end_session_endpoint: `${issuer()}/logout`,
    });
  });

  it("signs a villager in: the page, a code (never a token) in the redirect, tokens for the verifier", async () => {
    const { verifier, challenge } = await pkce();
    const page = await fetch(`${issuer()}/authorize?${authorizeParams(challenge)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-user="villager-li"');

    const chosen = await choose(authorizeParams(challenge), "villager-li");
    expect(chosen.status).toBe(303);
    const location = new URL(chosen.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(webApp());
    expect(location.hash).toBe("");
    expect([...location.searchParams.keys()].sort()).toEqual(["code", "state"]);
    expect(location.searchParams.get("state")).toBe("s-42");

    const response = await redeem({ code: location.searchParams.get("code") ?? "", code_verifier: verifier });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const tokens = await response.json();
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      iss: issuer(),
      aud: VILLAGER_CLIENT,
      nonce: "n-7",
      sub: "villager-li",
      "custom:role": "villager",
    });
    const caller = await me(authHeader(tokens.id_token));
    expect(caller.status).toBe(200);
    expect(await caller.json()).toMatchObject({ id: "villager-li", role: "villager" });
  });

  it("signs staff in with the staff client, whose tokens the API accepts too", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("clerk-a", challenge, { client_id: STAFF_CLIENT });
    const response = await redeem({ code, code_verifier: verifier, client_id: STAFF_CLIENT });
    expect(response.status).toBe(200);
    const { id_token } = await response.json();
    expect(decodeJwt(id_token)).toMatchObject({
      aud: STAFF_CLIENT,
      sub: "clerk-a",
      amr: ["pwd", "otp", "mfa"],
    });
    const caller = await me(authHeader(id_token));
    expect(caller.status).toBe(200);
    expect(await caller.json()).toMatchObject({ id: "clerk-a", role: "township_clerk" });
  });

  it("lists on each client's page only its own kind of account, and refuses the other kind", async () => {
    const { challenge } = await pkce();
    const villagers = await (await fetch(`${issuer()}/authorize?${authorizeParams(challenge)}`)).text();
    const staff = await (
      await fetch(`${issuer()}/authorize?${authorizeParams(challenge, { client_id: STAFF_CLIENT })}`)
    ).text();
    const { users } = await loadDemoDirectory();
    for (const user of users) {
      const [own, other] = user.role === "villager" ? [villagers, staff] : [staff, villagers];
      expect(own, user.id).toContain(`data-user="${user.id}"`);
      expect(other, user.id).not.toContain(`data-user="${user.id}"`);
    }
    const refused = await choose(authorizeParams(challenge), "clerk-a");
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();
  });

  it("answers a wrong code_verifier with invalid_grant, and the code is spent by that attempt", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("villager-wang", challenge);
    const wrong = await redeem({ code, code_verifier: createCodeVerifier() });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    // Even the right verifier now: one attempt per code, so a stolen code gets one guess at most.
    const right = await redeem({ code, code_verifier: verifier });
    expect(right.status).toBe(400);
    expect(await right.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a code used twice with invalid_grant", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("villager-wang", challenge);
    expect((await redeem({ code, code_verifier: verifier })).status).toBe(200);
    const again = await redeem({ code, code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a redirect_uri that differs from the authorization request's with invalid_grant", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("villager-wang", challenge);
    const response = await redeem({ code, code_verifier: verifier, redirect_uri: `${api()}/elsewhere` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a code redeemed by another client than it was issued to", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("villager-wang", challenge);
    const response = await redeem({ code, code_verifier: verifier, client_id: STAFF_CLIENT });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses an unknown code, a missing verifier and other grant types", async () => {
    const unknown = await redeem({ code: "not-a-code", code_verifier: createCodeVerifier() });
    expect(await unknown.json()).toMatchObject({ error: "invalid_grant" });
    const noVerifier = await redeem({ code: "not-a-code" });
    expect(noVerifier.status).toBe(400);
    expect(await noVerifier.json()).toMatchObject({ error: "invalid_request" });
    const implicit = await redeem({ grant_type: "password", code: "x", code_verifier: createCodeVerifier() });
    expect(await implicit.json()).toMatchObject({ error: "unsupported_grant_type" });
    const unknownClient = await redeem({
      code: "x",
      code_verifier: createCodeVerifier(),
      client_id: "other-app",
    });
    expect(unknownClient.status).toBe(401);
    expect(await unknownClient.json()).toMatchObject({ error: "invalid_client" });
  });

  it("lets the web app's origin call the token endpoint (CORS), and no other", async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor("villager-wang", challenge);
    const allowed = await redeem({ code, code_verifier: verifier }, api());
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(api());
    const foreign = await redeem({ code: "x", code_verifier: verifier }, "https://evil.example.com");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${issuer()}/token`, {
      method: "OPTIONS",
      headers: { origin: api(), "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(api());
  });

  it.each([
    [
      "the implicit flow (response_type=token)",
      { response_type: "id_token token" },
      "unsupported_response_type",
    ],
    ["no code_challenge", { code_challenge: undefined }, "invalid_request"],
    ["code_challenge_method=plain", { code_challenge_method: "plain" }, "invalid_request"],
    ["no code_challenge_method", { code_challenge_method: undefined }, "invalid_request"],
  ])("sends %s back to the app as an error, with the state and no code", async (_what, overrides, error) => {
    const { challenge } = await pkce();
    for (const response of [
      await fetch(`${issuer()}/authorize?${authorizeParams(challenge, overrides)}`, { redirect: "manual" }),
      await choose(authorizeParams(challenge, overrides), "villager-li"),
    ]) {
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(webApp());
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("state")).toBe("s-42");
      expect(location.searchParams.get("code")).toBeNull();
      expect(location.hash).toBe("");
    }
  });
});

describe("sign-in page and /authorize", () => {
  it("lists the demo users grouped by role, zh-CN first, sized for a phone", async () => {
    const { challenge } = await pkce();
    const pages = await Promise.all(
      [VILLAGER_CLIENT, STAFF_CLIENT].map(async (client_id) => {
        const response = await fetch(`${issuer()}/authorize?${authorizeParams(challenge, { client_id })}`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/html/);
        return response.text();
      }),
    );
    const html = pages.join("\n");
    for (const page of pages) {
      expect(page).toContain('<html lang="zh-CN">');
      expect(page).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    }
    for (const role of ROLES) expect(html).toContain(`data-role="${role}"`);
    const { users } = await loadDemoDirectory();
    for (const user of users) expect(html).toContain(`data-user="${user.id}"`);
  });

  it.each([
    ["another origin", "https://evil.example.com/callback"],
    ["another port", "http://127.0.0.1:1/callback"],
    ["a fragment", "{web}#x"],
    ["not a URL", "callback"],
  ])("refuses a redirect_uri with %s: 400, no redirect", async (_what, redirectUri) => {
    const { challenge } = await pkce();
    const params = authorizeParams(challenge, { redirect_uri: redirectUri.replace("{web}", webApp()) });
    const shown = await fetch(`${issuer()}/authorize?${params}`, { redirect: "manual" });
    expect(shown.status).toBe(400);
    expect(shown.headers.get("location")).toBeNull();
    const chosen = await choose(params, "villager-li");
    expect(chosen.status).toBe(400);
    expect(chosen.headers.get("location")).toBeNull();
  });

  it("refuses an unknown client_id with 400, whatever else is wrong", async () => {
    const { challenge } = await pkce();
    for (const overrides of [
      { client_id: "other-app" },
      { client_id: "other-app", response_type: "token" },
    ]) {
      const response = await fetch(`${issuer()}/authorize?${authorizeParams(challenge, overrides)}`, {
        redirect: "manual",
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("ends the session by redirecting to an allowed post-logout address, and to no other", async () => {
    const signedOut = await fetch(
      `${issuer()}/logout?${new URLSearchParams({ client_id: VILLAGER_CLIENT, post_logout_redirect_uri: `${api()}/`, logout_uri: `${api()}/` })}`,
      { redirect: "manual" },
    );
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toBe(`${api()}/`);
    const elsewhere = await fetch(
      `${issuer()}/logout?${new URLSearchParams({ client_id: VILLAGER_CLIENT, post_logout_redirect_uri: "https://evil.example.com/" })}`,
      { redirect: "manual" },
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get("location")).toBeNull();
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

  it("names the caller's townships and village from the reference data, codes beside them", async () => {
    const auditor = await me(authHeader(await signInAs(env.cloud.endpoints, "auditor")));
    expect(auditor.status).toBe(200);
    expect((await auditor.json()).places).toEqual({
      townships: [
        { code: "511424100", name: { zh: "丹棱镇", en: "Danling Town" } },
        { code: "511424101", name: { zh: "杨场镇", en: "Yangchang Town" } },
      ],
      village: null,
    });
    const officer = await me(authHeader(await signInAs(env.cloud.endpoints, "village-officer-a")));
    expect((await officer.json()).places).toEqual({
      townships: [{ code: "511424100", name: { zh: "丹棱镇", en: "Danling Town" } }],
      village: { code: "511424100001", name: { zh: "龙鹄村", en: "Longhu Village" } },
    });
  });

  it("answers a township the reference data does not know by its code alone", async () => {
    const claims = decodeJwt(await signInAs(env.cloud.endpoints, "clerk-a"));
    const response = await me(
      authHeader(await signWithIssuerKey(dataDir, { ...claims, "custom:townships": "511424100,511424199" })),
    );
    expect(response.status).toBe(200);
    expect((await response.json()).places.townships).toEqual([
      { code: "511424100", name: { zh: "丹棱镇", en: "Danling Town" } },
      { code: "511424199" },
    ]);
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
