/**
 * The protocol half of sign-in, without browser state: discovery, the
 * authorization request, the callback, the token request, the ID token checks
 * and the end-session URL. web/src/auth.ts keeps the state (sessionStorage) and
 * drives the redirects; these functions are pure so the unit tests can pin them.
 *
 * The flow is the one the OAuth 2.0 for Browser-Based Apps BCP asks of a
 * browser app without a back end: the authorization code grant with PKCE (S256),
 * `state` against cross-site request forgery, `nonce` against a swapped ID token,
 * no implicit grant. It works unchanged against the local issuer
 * (infra/local/oidc-issuer.ts) and Cognito's managed login.
 */

/** What the app uses of an OpenID Provider's metadata (OpenID Connect Discovery 1.0 §3). */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** RP-Initiated Logout; Cognito lists its `/logout` here. */
  readonly endSessionEndpoint?: string;
}

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignInError";
  }
}

/** Discovery §4: the issuer with any trailing slash removed, then `/.well-known/openid-configuration`. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** Endpoints must be https; plain http only on this machine (the local issuer). */
function endpoint(value: unknown, name: string): string {
  if (typeof value !== "string") throw new SignInError(`Discovery document has no ${name}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SignInError(`${name} is not a URL`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new SignInError(`${name} is not https`);
  }
  return value;
}

/**
 * Reads a discovery document. Its `issuer` must be exactly the configured one
 * (Discovery §4.3): a document naming another issuer could send the user's code
 * to someone else's token endpoint.
 */
export function providerMetadata(document: unknown, issuer: string): ProviderMetadata {
  const fields = (document ?? {}) as Record<string, unknown>;
  if (fields.issuer !== issuer) throw new SignInError("Discovery document names another issuer");
  const end = fields.end_session_endpoint;
  return {
    issuer,
    authorizationEndpoint: endpoint(fields.authorization_endpoint, "authorization_endpoint"),
    tokenEndpoint: endpoint(fields.token_endpoint, "token_endpoint"),
    ...(end !== undefined ? { endSessionEndpoint: endpoint(end, "end_session_endpoint") } : {}),
  };
}

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
}

/** The authorization request of RFC 6749 §4.1.1 with RFC 7636 §4.3's challenge. */
export function authorizationUrl(metadata: ProviderMetadata, request: AuthorizationRequest): string {
  const url = new URL(metadata.authorizationEndpoint);
  for (const [name, value] of Object.entries({
    response_type: "code",
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
  })) {
    url.searchParams.set(name, value);
  }
  return url.toString();
}

export type Callback =
  | { readonly code: string; readonly state: string }
  | { readonly error: string; readonly state?: string };

/**
 * The authorization response in the redirect URI's query (RFC 6749 §4.1.2):
 * a code and the state, or an error. Undefined when the URL carries neither,
 * i.e. it is not a return from the sign-in page.
 */
export function callbackOf(search: string): Callback | undefined {
  const params = new URLSearchParams(search);
  const state = params.get("state") ?? undefined;
  const error = params.get("error");
  if (error) return { error, ...(state !== undefined ? { state } : {}) };
  const code = params.get("code");
  if (code && state !== undefined) return { code, state };
  return undefined;
}

/** RFC 6749 §4.1.3 for a public client, with RFC 7636 §4.5's verifier; form-encoded, no credentials. */
export function tokenRequestBody(request: {
  readonly code: string;
  readonly redirectUri: string;
  readonly clientId: string;
  readonly codeVerifier: string;
}): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: request.clientId,
    code_verifier: request.codeVerifier,
  });
}

/** The payload of a compact JWS, unverified; undefined when it is not one. */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const segment = token.split(".")[1];
  if (!segment) return undefined;
  try {
    const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
    const payload: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
    return payload && typeof payload === "object" ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ID token checks of OpenID Connect Core §3.1.3.7 that matter here: the
 * issuer, this client among the audiences (and as `azp` when there are more),
 * not expired, and the nonce of this very sign-in. The signature is not
 * checked: the token came straight from the token endpoint over TLS, which
 * §3.1.3.7 accepts in place of it, and the API verifies every token it is sent.
 * Returns what is wrong, or undefined.
 */
export function idTokenProblem(
  claims: Record<string, unknown> | undefined,
  expected: {
    readonly issuer: string;
    readonly clientId: string;
    readonly nonce: string;
    readonly now: number;
  },
): string | undefined {
  if (!claims) return "not a JWT";
  if (claims.iss !== expected.issuer) return "iss";
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId)) return "aud";
  if (audiences.length > 1 && claims.azp !== expected.clientId) return "azp";
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= expected.now) return "exp";
  if (claims.nonce !== expected.nonce) return "nonce";
  return undefined;
}

/**
 * Where to send the browser to end the provider's session, if it has an
 * end-session endpoint. Both names of the return address go along:
 * `post_logout_redirect_uri` (OpenID Connect RP-Initiated Logout) and
 * `logout_uri` (Cognito's `/logout`, which must find it among the app client's
 * sign-out URLs and ignores other parameters). No `id_token_hint`: the ID token
 * would end up in the provider's access logs.
 */
export function endSessionUrl(
  metadata: Pick<ProviderMetadata, "endSessionEndpoint">,
  request: { readonly clientId: string; readonly postLogoutRedirectUri: string },
): string | undefined {
  if (!metadata.endSessionEndpoint) return undefined;
  const url = new URL(metadata.endSessionEndpoint);
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("post_logout_redirect_uri", request.postLogoutRedirectUri);
  url.searchParams.set("logout_uri", request.postLogoutRedirectUri);
  return url.toString();
}
