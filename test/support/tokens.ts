import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import * as z from "zod";
import type { LocalEndpoints } from "#infra/local/cloud.ts";
import type { Role } from "#shared/auth/actor.ts";

/** One demo user per role (infra/local/demo-users.json), of township A; auditor and county admin cover both. */
export const DEMO_USER_OF_ROLE: Readonly<Record<Role, string>> = {
  villager: "villager-wang",
  village_officer: "village-officer-a",
  township_clerk: "clerk-a",
  department_reviewer: "reviewer-agriculture-a",
  township_head: "head-a",
  site_inspector: "inspector-a",
  auditor: "auditor",
  county_admin: "county-admin",
};

const tokenResponseSchema = z.object({
  access_token: z.string(),
  id_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** Both tokens for a demo user from the local issuer's `POST /token` (a local-only convenience). */
export function tokensFor(endpoints: LocalEndpoints, userId: string): Promise<TokenResponse> {
  return issuerTokensFor(endpoints.auth.issuer, userId);
}

/** The same, from the issuer at `issuer` (what a browser test reads from the app's /config.json). */
export async function issuerTokensFor(issuer: string, userId: string): Promise<TokenResponse> {
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: userId }),
  });
  if (!response.ok) throw new Error(`Sign-in as ${userId} failed with ${response.status}`);
  return tokenResponseSchema.parse(await response.json());
}

/** The access token of a demo user (ids in infra/local/demo-users.json). */
export async function signInAs(endpoints: LocalEndpoints, userId: string): Promise<string> {
  return (await tokensFor(endpoints, userId)).access_token;
}

export function authHeader(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Tokens the authorizer must refuse. Each breaks exactly one rule and keeps the
 * rest valid: time and audience forgeries are signed with the issuer's real key
 * (read from the cloud's data folder), so only the broken rule can reject them.
 */
export type Forgery =
  | "expired"
  | "not-yet-valid"
  | "issued-in-the-future"
  | "wrong-audience"
  | "wrong-issuer"
  | "alg-none"
  | "tampered-signature"
  | "tampered-payload"
  | "foreign-key";

export const FORGERIES: readonly Forgery[] = [
  "expired",
  "not-yet-valid",
  "issued-in-the-future",
  "wrong-audience",
  "wrong-issuer",
  "alg-none",
  "tampered-signature",
  "tampered-payload",
  "foreign-key",
];

const keyFileSchema = z.object({ privateJwk: z.record(z.string(), z.unknown()) });

async function issuerKey(dataDir: string): Promise<{ key: CryptoKey; kid: string }> {
  const file = path.join(dataDir, "oidc", "signing-key.json");
  const jwk = keyFileSchema.parse(JSON.parse(await readFile(file, "utf8"))).privateJwk as JWK;
  const { kty, n, e } = jwk;
  const kid = await calculateJwkThumbprint({ kty, n, e } as JWK);
  const key = await importJWK(jwk, "RS256");
  if (!(key instanceof CryptoKey)) throw new Error("The issuer key is not an RSA key");
  return { key, kid };
}

const sign = (payload: JWTPayload, key: CryptoKey, kid: string) =>
  new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(key);

/** Signs any claims with the local issuer's real key: for control cases and tokens the issuer never makes. */
export async function signWithIssuerKey(dataDir: string, claims: JWTPayload): Promise<string> {
  const { key, kid } = await issuerKey(dataDir);
  return sign(claims, key, kid);
}

/**
 * A demo user's genuine token re-signed with the issuer's key and other
 * authentication methods: `amr` as given (left out when absent), and the
 * `nongfang:amr` claim the Cognito pre token generation trigger writes. For
 * the multi-factor rule (shared/auth/mfa.ts), whose tokens the local issuer
 * never makes.
 */
export async function tokenWithMethods(
  env: { readonly endpoints: LocalEndpoints; readonly dataDir: string },
  userId: string,
  methods: { readonly amr?: readonly string[]; readonly nongfangAmr?: string },
): Promise<string> {
  const { amr: _amr, ...claims } = decodeJwt(await signInAs(env.endpoints, userId));
  return signWithIssuerKey(env.dataDir, {
    ...claims,
    ...(methods.amr ? { amr: [...methods.amr] } : {}),
    ...(methods.nongfangAmr !== undefined ? { "nongfang:amr": methods.nongfangAmr } : {}),
  });
}

/** Replaces one segment of a compact JWT. */
const withSegment = (token: string, index: number, segment: string) =>
  token
    .split(".")
    .map((part, at) => (at === index ? segment : part))
    .join(".");

export async function forgeToken(
  env: { readonly endpoints: LocalEndpoints; readonly dataDir: string },
  forgery: Forgery,
  userId = "clerk-a",
): Promise<string> {
  const genuine = await signInAs(env.endpoints, userId);
  const claims = decodeJwt(genuine);
  const now = Math.floor(Date.now() / 1000);
  const { key, kid } = await issuerKey(env.dataDir);
  switch (forgery) {
    case "expired":
      return sign({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, key, kid);
    case "not-yet-valid":
      return sign({ ...claims, nbf: now + 3600, exp: now + 7200 }, key, kid);
    case "issued-in-the-future":
      return sign({ ...claims, iat: now + 3600, nbf: now, exp: now + 7200 }, key, kid);
    case "wrong-audience":
      return sign({ ...claims, aud: "someone-else", client_id: "someone-else" }, key, kid);
    case "wrong-issuer":
      return sign({ ...claims, iss: "https://issuer.example.com" }, key, kid);
    case "alg-none":
      return new UnsecuredJWT(claims).encode();
    case "tampered-signature": {
      const signature = base64url.decode(genuine.split(".")[2] ?? "");
      signature[0] = (signature[0] ?? 0) ^ 0xff;
      return withSegment(genuine, 2, base64url.encode(signature));
    }
    case "tampered-payload":
      // A villager promoting themselves: the payload changes, the issuer's signature stays.
      return withSegment(
        genuine,
        1,
        base64url.encode(JSON.stringify({ ...claims, "custom:role": "county_admin" })),
      );
    case "foreign-key": {
      // Same kid and claims, signed by a key the issuer never had.
      const { privateKey } = await generateKeyPair("RS256");
      return sign(claims, privateKey, decodeProtectedHeader(genuine).kid ?? kid);
    }
  }
}
