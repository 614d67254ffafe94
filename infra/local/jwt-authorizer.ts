import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import * as z from "zod";
import type { AuthorizerContext } from "./http-api.ts";

/**
 * The local stand-in for API Gateway's HTTP API JWT authorizer. It follows the
 * documented workflow (developerguide/http-api-jwt-authorizer.html):
 *
 * 1. take the token from the identity source (`Authorization`), with or without "Bearer ";
 * 2. decode it; the header must name a `kid` found in the issuer's `jwks_uri`
 *    (from `<issuer>/.well-known/openid-configuration`); only RSA algorithms;
 * 3. `iss` must equal the configured issuer; `aud` must match one configured
 *    audience, or, only when `aud` is absent, `client_id` must (Cognito access tokens);
 * 4. `exp` must be after now, `nbf` and `iat` not after now.
 *
 * API Gateway documents no clock skew allowance, so none is applied here: a
 * token one second past `exp` fails locally as it would on AWS. Anything that
 * fails yields undefined, which the local HTTP API answers with API Gateway's
 * 401 `{"message":"Unauthorized"}`. Tokens are never logged.
 */

/** API Gateway verifies only RSA signatures; `none`, HMAC and EC tokens are refused. */
const RSA_ALGORITHMS = ["RS256", "RS384", "RS512"];

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

export interface LocalJwtAuthorizerOptions {
  /** The issuer URL, exactly as tokens carry it in `iss`. */
  readonly issuer: string;
  /** Accepted `aud` (or `client_id`) values: the app client ids. */
  readonly audience: readonly string[];
  /** Lower-case header name of the identity source; API Gateway's default is Authorization. */
  readonly identitySource?: string;
}

export type Authorize = (headers: Readonly<Record<string, string>>) => Promise<AuthorizerContext | undefined>;

/**
 * Renders a claim value the way the JWT authorizer hands it to the integration
 * in `requestContext.authorizer.jwt.claims` (payload 2.0): every value is a string.
 * Strings pass through; numbers and booleans become their JSON text ("1717171717",
 * "true"); arrays become Go's `%v` form, bracketed and space-separated
 * (`["a","b"]` → "[a b]"), as observed for `cognito:groups` and `groups` behind
 * HTTP APIs. Objects are rendered in the same Go form (`map[k:v]`, keys sorted),
 * which is inferred from the array form rather than observed; Nongfang's own
 * claims are all plain strings (lists are comma-separated), so nothing depends on it.
 */
export function apiGatewayClaimValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(apiGatewayClaimValue).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([key, item]) => `${key}:${apiGatewayClaimValue(item)}`).join(" ")}]`;
  }
  return String(value);
}

export function toApiGatewayClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [name, apiGatewayClaimValue(value)]),
  );
}

/**
 * Scopes from `scope` (space-separated, RFC 8693) or `scp`. API Gateway fills
 * `jwt.scopes` from them; a token without either gets an empty list here.
 */
export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  if (Array.isArray(raw)) return raw.map(String);
  return [];
}

export function tokenFrom(
  headers: Readonly<Record<string, string>>,
  identitySource: string,
): string | undefined {
  const value = headers[identitySource]?.trim();
  if (!value) return undefined;
  const token = /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, "") : value;
  return token.split(".").length === 3 ? token : undefined;
}

export function createLocalJwtAuthorizer(options: LocalJwtAuthorizerOptions): Authorize {
  const identitySource = (options.identitySource ?? "authorization").toLowerCase();
  const audiences = new Set(options.audience);
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  // Discovery is read once and its key set cached, like API Gateway (which caches keys up to two hours).
  const keySet = () => {
    keys ??= (async () => {
      const response = await fetch(`${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`Discovery answered ${response.status}`);
      const discovery = discoverySchema.parse(await response.json());
      if (discovery.issuer !== options.issuer) throw new Error("Discovery names another issuer");
      return createRemoteJWKSet(new URL(discovery.jwks_uri));
    })().catch((error: unknown) => {
      keys = undefined; // an issuer that was down is asked again next time
      throw error;
    });
    return keys;
  };

  return async (headers) => {
    const token = tokenFrom(headers, identitySource);
    if (!token) return undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (!header.kid || !header.alg || !RSA_ALGORITHMS.includes(header.alg)) return undefined;
      const { payload } = await jwtVerify(token, await keySet(), {
        issuer: options.issuer,
        algorithms: RSA_ALGORITHMS,
        requiredClaims: ["exp"],
        clockTolerance: 0,
      });
      const now = Math.floor(Date.now() / 1000);
      // jose checks exp and nbf; API Gateway also refuses tokens issued in the future.
      if (typeof payload.iat === "number" && payload.iat > now) return undefined;
      const aud = payload.aud;
      const audienceOk =
        aud !== undefined
          ? [aud].flat().some((value) => audiences.has(value))
          : typeof payload.client_id === "string" && audiences.has(payload.client_id);
      if (!audienceOk) return undefined;
      return { jwt: { claims: toApiGatewayClaims(payload), scopes: scopesOf(payload) } };
    } catch {
      // Bad signature, unknown kid, wrong issuer, expired, not yet valid, malformed: all a plain 401.
      return undefined;
    }
  };
}
