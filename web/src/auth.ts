/**
 * Sign-in with the OIDC issuer named in /config.json (implicit flow: tokens
 * come back in the URL fragment, which never reaches a server). The session
 * lives in memory and sessionStorage (gone when the tab closes), never in
 * localStorage or a URL the app builds.
 *
 * The API gets the ID token: behind Cognito only it carries the custom role
 * claims (README "Signing in"); the local issuer puts them in both.
 */
import type { WebConfig } from "./config.ts";

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

const SESSION_KEY = "nf.session";
const PENDING_KEY = "nf.signin";

let session: Session | undefined;

function base64UrlJson(segment: string): unknown {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Reads the claims for display and routing only: the API verifies the token's
 * signature on every call, so nothing here is trusted for access decisions.
 */
function sessionOf(token: string): Session | undefined {
  try {
    const claims = base64UrlJson(token.split(".")[1] ?? "") as Record<string, unknown>;
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

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Goes to the issuer's sign-in page; it comes back to `/` with tokens in the fragment. */
export function signIn(config: WebConfig, returnTo: string): void {
  const state = randomToken();
  const nonce = randomToken();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, nonce, returnTo }));
  const url = new URL("/authorize", config.auth.issuer);
  url.search = new URLSearchParams({
    client_id: config.auth.clientId,
    redirect_uri: `${location.origin}/`,
    response_type: "id_token token",
    scope: "openid profile",
    state,
    nonce,
  }).toString();
  location.assign(url.toString());
}

/**
 * Finishes a sign-in if the URL fragment carries one: checks state and nonce,
 * keeps the session, and removes the tokens from the address bar and history.
 * Returns where to go next, or undefined when there was nothing to finish.
 */
export function completeSignIn(): { returnTo: string } | { error: true } | undefined {
  if (!location.hash.includes("id_token=") && !location.hash.includes("error=")) return undefined;
  const fragment = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  let pending: { state?: string; nonce?: string; returnTo?: string } = {};
  try {
    pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "{}") as typeof pending;
  } catch {
    pending = {};
  }
  sessionStorage.removeItem(PENDING_KEY);
  const idToken = fragment.get("id_token");
  if (!idToken || !pending.state || fragment.get("state") !== pending.state) return { error: true };
  const claims = (() => {
    try {
      return base64UrlJson(idToken.split(".")[1] ?? "") as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  if (claims.nonce !== pending.nonce) return { error: true };
  const next = sessionOf(idToken);
  if (!next) return { error: true };
  session = next;
  sessionStorage.setItem(SESSION_KEY, idToken);
  return { returnTo: pending.returnTo?.startsWith("/") ? pending.returnTo : "/app" };
}

export function signOut(): void {
  session = undefined;
  try {
    sessionStorage.removeItem(SESSION_KEY);
    for (const key of Object.keys(sessionStorage)) if (key.startsWith("nf.")) sessionStorage.removeItem(key);
  } catch {
    // Nothing stored.
  }
}
