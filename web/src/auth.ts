/**
 * Sign-in with the OIDC issuer named in /config.json: the authorization code
 * flow with PKCE (web/src/oidc.ts has the protocol). The issuer's discovery
 * document gives the endpoints: Cognito's managed login on AWS, the local demo
 * issuer with `npm start`. Villagers and staff sign in with different app
 * clients (an SMS code; a password and a second factor), so the sign-in screen
 * asks which one.
 *
 * The PKCE verifier, `state` and `nonce` of a sign-in in progress, then the ID
 * token, live in sessionStorage (this tab only, gone when it closes), never in
 * localStorage or a URL the app builds. The access and refresh tokens are not
 * kept: the session ends when the ID token expires (an hour) and the user signs
 * in again.
 *
 * The API gets the ID token: behind Cognito only it carries the custom role
 * claims (README "Signing in"); the local issuer puts them in both.
 */
import { codeChallengeS256, createCodeVerifier, randomUrlToken } from "#shared/auth/pkce.ts";
import type { WebConfig } from "./config.ts";
import {
  authorizationUrl,
  callbackOf,
  discoveryUrl,
  endSessionUrl,
  idTokenProblem,
  jwtPayload,
  type ProviderMetadata,
  providerMetadata,
  SignInError,
  tokenRequestBody,
} from "./oidc.ts";

export type Role =
  | "villager"
  | "village_officer"
  | "township_clerk"
  | "department_reviewer"
  | "township_head"
  | "site_inspector"
  | "auditor"
  | "county_admin";

export interface Session {
  readonly token: string;
  readonly expiresAt: number;
  readonly user: {
    readonly id: string;
    readonly name: string;
    readonly role: Role;
    readonly department?: string;
    readonly townships: readonly string[];
    readonly village?: string;
    readonly household?: string;
  };
}

/** Which app client signs the user in: villagers' (SMS code) or staff's (password and a second factor). */
export type Audience = "villager" | "staff";

const SESSION_KEY = "nf.session";
const PENDING_KEY = "nf.signin";
/** Where and as which client to end the provider's session at sign-out. */
const SIGN_OUT_KEY = "nf.signout";
const SCOPE = "openid profile";

let session: Session | undefined;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Reads the claims for display and routing only: the API verifies the token's
 * signature on every call, so nothing here is trusted for access decisions.
 */
function sessionOf(token: string): Session | undefined {
  try {
    const claims = jwtPayload(token) ?? {};
    const role = str(claims["custom:role"]) as Role | undefined;
    const id = str(claims.sub);
    const exp = typeof claims.exp === "number" ? claims.exp : 0;
    if (!role || !id) return undefined;
    const department = str(claims["custom:department"]);
    const village = str(claims["custom:village"]);
    const household = str(claims["custom:household"]);
    return {
      token,
      expiresAt: exp * 1000,
      user: {
        id,
        name: str(claims.name) ?? id,
        role,
        townships: (str(claims["custom:townships"]) ?? "").split(",").filter(Boolean),
        ...(department ? { department } : {}),
        ...(village ? { village } : {}),
        ...(household ? { household } : {}),
      },
    };
  } catch {
    return undefined;
  }
}

export function currentSession(): Session | undefined {
  if (session && session.expiresAt > Date.now()) return session;
  session = undefined;
  try {
    const stored = sessionStorage.getItem(SESSION_KEY);
    const restored = stored ? sessionOf(stored) : undefined;
    if (restored && restored.expiresAt > Date.now()) session = restored;
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // No storage: memory only.
  }
  return session;
}

/** The page the provider sends the browser back to: the app's root, exactly as registered (Cognito callback URL). */
const redirectUri = () => `${location.origin}/`;

interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly endSessionEndpoint?: string;
  readonly returnTo: string;
}

async function discover(issuer: string): Promise<ProviderMetadata> {
  const response = await fetch(discoveryUrl(issuer), { headers: { accept: "application/json" } });
  if (!response.ok) throw new SignInError(`Discovery answered ${response.status}`);
  return providerMetadata(await response.json(), issuer);
}

/**
 * Starts a sign-in: reads the issuer's discovery document, keeps a fresh PKCE
 * verifier, state and nonce for this tab, and goes to the authorization
 * endpoint. The provider comes back to `/?code=…&state=…` (completeSignIn).
 */
export async function signIn(config: WebConfig, audience: Audience, returnTo: string): Promise<void> {
  const metadata = await discover(config.auth.issuer);
  const verifier = createCodeVerifier();
  const pending: PendingSignIn = {
    state: randomUrlToken(),
    nonce: randomUrlToken(),
    verifier,
    clientId: config.auth.clients[audience],
    issuer: metadata.issuer,
    tokenEndpoint: metadata.tokenEndpoint,
    ...(metadata.endSessionEndpoint ? { endSessionEndpoint: metadata.endSessionEndpoint } : {}),
    returnTo,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  location.assign(
    authorizationUrl(metadata, {
      clientId: pending.clientId,
      redirectUri: redirectUri(),
      scope: SCOPE,
      state: pending.state,
      nonce: pending.nonce,
      codeChallenge: await codeChallengeS256(verifier),
    }),
  );
}

/** True when the page was opened by the provider's redirect (a code or an error in the query). */
export function isSignInCallback(): boolean {
  return callbackOf(location.search) !== undefined;
}

function takePending(): Partial<PendingSignIn> {
  try {
    return JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "{}") as Partial<PendingSignIn>;
  } catch {
    return {};
  } finally {
    sessionStorage.removeItem(PENDING_KEY);
  }
}

/**
 * Finishes a sign-in if the provider redirected here: removes the code from
 * the address bar and history, checks `state` against this tab's sign-in,
 * redeems the code with the PKCE verifier, checks the ID token (issuer,
 * audience, expiry, nonce) and keeps it. Returns where to go next, an error,
 * or undefined when there was nothing to finish.
 */
export async function completeSignIn(): Promise<{ returnTo: string } | { error: true } | undefined> {
  const callback = callbackOf(location.search);
  if (!callback) return undefined;
  history.replaceState(null, "", location.pathname + location.hash);
  const pending = takePending();
  // A response to a request this tab did not make (or made before) is dropped unread.
  if (!pending.state || callback.state !== pending.state || "error" in callback) return { error: true };
  const { verifier, clientId, issuer, tokenEndpoint, nonce } = pending;
  if (!verifier || !clientId || !issuer || !tokenEndpoint || !nonce) return { error: true };
  try {
    const response = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: tokenRequestBody({
        code: callback.code,
        redirectUri: redirectUri(),
        clientId,
        codeVerifier: verifier,
      }),
    });
    if (!response.ok) return { error: true };
    const tokens = (await response.json()) as { id_token?: unknown };
    const idToken = typeof tokens.id_token === "string" ? tokens.id_token : "";
    if (idTokenProblem(jwtPayload(idToken), { issuer, clientId, nonce, now: Date.now() }))
      return { error: true };
    const next = sessionOf(idToken);
    if (!next) return { error: true };
    session = next;
    sessionStorage.setItem(SESSION_KEY, idToken);
    sessionStorage.setItem(
      SIGN_OUT_KEY,
      JSON.stringify({
        clientId,
        ...(pending.endSessionEndpoint ? { endpoint: pending.endSessionEndpoint } : {}),
      }),
    );
  } catch {
    return { error: true };
  }
  return { returnTo: pending.returnTo?.startsWith("/") ? pending.returnTo : "/app" };
}

/**
 * Forgets the session in this tab. Returns the provider's end-session URL
 * when there is one, for a sign-out the user asked for: going there also ends
 * the provider's own session (Cognito's managed login cookie), so the next
 * person on a shared phone is asked to sign in again.
 */
export function signOut(): string | undefined {
  session = undefined;
  let target: string | undefined;
  try {
    const stored = JSON.parse(sessionStorage.getItem(SIGN_OUT_KEY) ?? "{}") as {
      clientId?: string;
      endpoint?: string;
    };
    if (stored.clientId && stored.endpoint) {
      target = endSessionUrl(
        { endSessionEndpoint: stored.endpoint },
        { clientId: stored.clientId, postLogoutRedirectUri: redirectUri() },
      );
    }
  } catch {
    target = undefined;
  }
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith("nf.")) sessionStorage.removeItem(key);
  } catch {
    // Nothing stored.
  }
  return target;
}
