import { describe, expect, it } from "vitest";
import {
  authorizationUrl,
  callbackOf,
  discoveryUrl,
  endSessionUrl,
  idTokenProblem,
  jwtPayload,
  providerMetadata,
  SignInError,
  tokenRequestBody,
} from "../../web/src/oidc.ts";

const COGNITO = "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_Abc123";
const DOMAIN = "https://nongfang-123456789012.auth.ap-east-1.amazoncognito.com";
/** The shape of Cognito's discovery document for a pool with a domain (the fields the app reads). */
const cognitoDiscovery = {
  issuer: COGNITO,
  authorization_endpoint: `${DOMAIN}/oauth2/authorize`,
  token_endpoint: `${DOMAIN}/oauth2/token`,
  end_session_endpoint: `${DOMAIN}/logout`,
  jwks_uri: `${COGNITO}/.well-known/jwks.json`,
};

const unsignedJwt = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

describe("discovery", () => {
  it("appends /.well-known/openid-configuration to the issuer, path and all (Cognito's issuer has one)", () => {
    expect(discoveryUrl(COGNITO)).toBe(`${COGNITO}/.well-known/openid-configuration`);
    expect(discoveryUrl("http://127.0.0.1:3001/")).toBe(
      "http://127.0.0.1:3001/.well-known/openid-configuration",
    );
  });

  it("reads the endpoints of a document whose issuer is exactly the configured one", () => {
    expect(providerMetadata(cognitoDiscovery, COGNITO)).toEqual({
      issuer: COGNITO,
      authorizationEndpoint: `${DOMAIN}/oauth2/authorize`,
      tokenEndpoint: `${DOMAIN}/oauth2/token`,
      endSessionEndpoint: `${DOMAIN}/logout`,
    });
    const { end_session_endpoint: _none, ...withoutLogout } = cognitoDiscovery;
    expect(providerMetadata(withoutLogout, COGNITO).endSessionEndpoint).toBeUndefined();
  });

  it("refuses another issuer, missing endpoints, and plain http away from this machine", () => {
    expect(() => providerMetadata({ ...cognitoDiscovery, issuer: `${COGNITO}/` }, COGNITO)).toThrow(
      SignInError,
    );
    expect(() => providerMetadata({ ...cognitoDiscovery, token_endpoint: undefined }, COGNITO)).toThrow(
      /token_endpoint/,
    );
    expect(() =>
      providerMetadata({ ...cognitoDiscovery, token_endpoint: "http://evil.example.com/token" }, COGNITO),
    ).toThrow(/https/);
    expect(() => providerMetadata(null, COGNITO)).toThrow(SignInError);
    const local = "http://127.0.0.1:3001";
    expect(
      providerMetadata(
        { issuer: local, authorization_endpoint: `${local}/authorize`, token_endpoint: `${local}/token` },
        local,
      ).tokenEndpoint,
    ).toBe(`${local}/token`);
  });
});

describe("the authorization request", () => {
  it("asks for a code with an S256 challenge, state and nonce, and nothing implicit", () => {
    const url = new URL(
      authorizationUrl(providerMetadata(cognitoDiscovery, COGNITO), {
        clientId: "villager-client",
        redirectUri: "https://d111111abcdef8.cloudfront.net/",
        scope: "openid profile",
        state: "s",
        nonce: "n",
        codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${DOMAIN}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "villager-client",
      redirect_uri: "https://d111111abcdef8.cloudfront.net/",
      scope: "openid profile",
      state: "s",
      nonce: "n",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
  });
});

describe("the callback", () => {
  it("is a code with its state, an error (with or without state), or not a callback at all", () => {
    expect(callbackOf("?code=c1&state=s1")).toEqual({ code: "c1", state: "s1" });
    expect(callbackOf("?error=access_denied&state=s1")).toEqual({ error: "access_denied", state: "s1" });
    expect(callbackOf("?error=invalid_request")).toEqual({ error: "invalid_request" });
    expect(callbackOf("")).toBeUndefined();
    expect(callbackOf("?code=c1")).toBeUndefined();
    expect(callbackOf("?lang=en")).toBeUndefined();
  });

  it("redeems the code as a public client with the verifier, form-encoded", () => {
    expect(
      Object.fromEntries(
        tokenRequestBody({
          code: "c1",
          redirectUri: "https://example.gov.cn/",
          clientId: "villager-client",
          codeVerifier: "v".repeat(43),
        }),
      ),
    ).toEqual({
      grant_type: "authorization_code",
      code: "c1",
      redirect_uri: "https://example.gov.cn/",
      client_id: "villager-client",
      code_verifier: "v".repeat(43),
    });
  });
});

describe("the ID token", () => {
  const now = Date.UTC(2026, 0, 1);
  const good = { iss: COGNITO, aud: "villager-client", exp: now / 1000 + 3600, nonce: "n-1", sub: "u" };
  const expected = { issuer: COGNITO, clientId: "villager-client", nonce: "n-1", now };

  it("passes with this issuer, this client, a future expiry and this sign-in's nonce", () => {
    expect(idTokenProblem(jwtPayload(unsignedJwt(good)), expected)).toBeUndefined();
    expect(
      idTokenProblem({ ...good, aud: ["villager-client", "api"], azp: "villager-client" }, expected),
    ).toBeUndefined();
  });

  it.each([
    ["another issuer", { iss: "https://issuer.example.com" }, "iss"],
    ["another audience", { aud: "staff-client" }, "aud"],
    ["several audiences without azp", { aud: ["villager-client", "api"] }, "azp"],
    ["an expired token", { exp: now / 1000 - 1 }, "exp"],
    ["no expiry", { exp: undefined }, "exp"],
    ["another nonce (a replayed or swapped token)", { nonce: "n-2" }, "nonce"],
    ["no nonce", { nonce: undefined }, "nonce"],
  ])("fails with %s", (_what, change, problem) => {
    expect(idTokenProblem({ ...good, ...change }, expected)).toBe(problem);
  });

  it("fails when the token is not a JWT", () => {
    expect(idTokenProblem(jwtPayload("not-a-jwt"), expected)).toBe("not a JWT");
    expect(jwtPayload("a.%%%.c")).toBeUndefined();
  });
});

describe("sign-out", () => {
  it("sends both names of the return address (OIDC's and Cognito's) with the client id, and no token", () => {
    const url = new URL(
      endSessionUrl(
        { endSessionEndpoint: `${DOMAIN}/logout` },
        { clientId: "villager-client", postLogoutRedirectUri: "https://example.gov.cn/" },
      ) ?? "",
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${DOMAIN}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "villager-client",
      post_logout_redirect_uri: "https://example.gov.cn/",
      logout_uri: "https://example.gov.cn/",
    });
  });

  it("has nowhere to go when the provider names no end-session endpoint", () => {
    expect(
      endSessionUrl({}, { clientId: "c", postLogoutRedirectUri: "https://example.gov.cn/" }),
    ).toBeUndefined();
  });
});
