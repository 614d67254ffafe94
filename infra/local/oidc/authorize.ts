/**
 * `/authorize` of the local issuer: checking an authorization request
 * (RFC 6749 §4.1.1, RFC 7636 §4.3) and where a browser may be sent back to.
 */
import * as z from "zod";
import type { ClientKind } from "./directory.ts";
import { errorPage, type HtmlPage } from "./sign-in-page.ts";

/** The app clients and the local web origins the issuer serves. */
export interface ClientRegistry {
  /** App client id → which accounts it signs in. */
  readonly clients: ReadonlyMap<string, ClientKind>;
  /** Origins `redirect_uri` and `post_logout_redirect_uri` may point to; they may call `POST /token`. */
  readonly redirectOrigins: ReadonlySet<string>;
}

/** An authorization request that passed every check (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope?: string;
  readonly state?: string;
  readonly nonce?: string;
}

/** A checked request (with the chosen user on `POST /authorize`), a page saying what is wrong, or an error redirect. */
export type AuthorizeOutcome =
  | { readonly request: AuthorizeRequest; readonly kind: ClientKind; readonly username?: string }
  | HtmlPage
  | { readonly redirect: string };

const authorizeSchema = z.object({
  client_id: z.string().min(1),
  redirect_uri: z.string().min(1),
  response_type: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  scope: z.string().max(1024).optional(),
  state: z.string().max(2048).optional(),
  nonce: z.string().max(2048).optional(),
  username: z.string().optional(),
});
type AuthorizeFields = z.infer<typeof authorizeSchema>;

/** An S256 challenge is the base64url SHA-256 of the verifier: exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A redirect_uri this issuer may send a browser to: an allowed local web origin, no fragment or userinfo. */
export function allowedRedirect(registry: ClientRegistry, value: string): URL | undefined {
  let target: URL;
  try {
    target = new URL(value);
  } catch {
    return undefined;
  }
  if (
    !registry.redirectOrigins.has(target.origin) ||
    target.hash !== "" ||
    target.username ||
    target.password
  ) {
    return undefined;
  }
  return target;
}

/** The error redirect of RFC 6749 §4.1.2.1, once client and redirect_uri are known to be good. */
function errorRedirect(redirectUri: string, error: string, description: string, state?: string) {
  const target = new URL(redirectUri);
  target.searchParams.set("error", error);
  target.searchParams.set("error_description", description);
  if (state !== undefined) target.searchParams.set("state", state);
  return { redirect: target.toString() };
}

/** The code flow with PKCE S256 only: no implicit flow (the Browser-Based Apps BCP), no `plain` challenge. */
function flowProblem(fields: AuthorizeFields): { redirect: string } | undefined {
  const { redirect_uri, response_type, code_challenge, code_challenge_method, state } = fields;
  if (response_type !== "code") {
    return errorRedirect(redirect_uri, "unsupported_response_type", "Only response_type=code", state);
  }
  if (code_challenge_method !== "S256" || !code_challenge || !S256_CHALLENGE.test(code_challenge)) {
    return errorRedirect(
      redirect_uri,
      "invalid_request",
      "PKCE is required: code_challenge with code_challenge_method=S256",
      state,
    );
  }
  return undefined;
}

/**
 * Checks an authorization request. client_id and redirect_uri first: until both
 * are known good nothing is redirected anywhere (RFC 6749 §4.1.2.1), a page says
 * what is wrong. Then the flow (flowProblem).
 */
export function checkAuthorize(registry: ClientRegistry, fields: Record<string, string>): AuthorizeOutcome {
  const parsed = authorizeSchema.safeParse(fields);
  if (!parsed.success) return errorPage(400, "请求参数不完整", "client_id and redirect_uri are required");
  const kind = registry.clients.get(parsed.data.client_id);
  if (!kind) return errorPage(400, "未知的应用", "Unknown client_id");
  if (!allowedRedirect(registry, parsed.data.redirect_uri)) {
    return errorPage(400, "回调地址不在允许列表中", "redirect_uri is not an allowed local web origin");
  }
  const problem = flowProblem(parsed.data);
  if (problem) return problem;
  const { client_id, redirect_uri, code_challenge = "", scope, state, nonce, username } = parsed.data;
  return {
    request: {
      clientId: client_id,
      redirectUri: redirect_uri,
      codeChallenge: code_challenge,
      ...(scope !== undefined ? { scope } : {}),
      ...(state !== undefined ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
    },
    kind,
    ...(username !== undefined ? { username } : {}),
  };
}
