/**
 * `POST /token` of the local issuer: authorization codes (kept in memory, five
 * minutes, one redemption attempt each) redeemed with their PKCE verifier, and
 * the tools-and-tests shortcut `{"username": …}` (**local only, never deployed**).
 */
import * as z from "zod";
import { randomUrlToken, verifiesS256 } from "#shared/auth/pkce.ts";
import type { AuthorizeRequest, ClientRegistry } from "./authorize.ts";
import type { TokenResponse } from "./tokens.ts";

/** How long an authorization code may wait for its redemption (RFC 6749 §4.1.2 recommends ten minutes at most). */
export const CODE_LIFETIME_SECONDS = 300;

/** Signs the tokens of a known demo user for an app client (`aud`). */
export type IssueTokens = (
  userId: string,
  nonce: string | undefined,
  audience: string,
) => Promise<TokenResponse>;

/** A JSON answer of the token endpoint. */
export interface TokenAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface PendingCode {
  readonly request: AuthorizeRequest;
  readonly userId: string;
  readonly expiresAt: number;
}

/** Authorization codes live in memory only: a restart voids the few seconds' worth in flight. */
export class AuthorizationCodes {
  private readonly codes = new Map<string, PendingCode>();

  /** A fresh code for a user's checked request. */
  issue(request: AuthorizeRequest, userId: string): string {
    const code = randomUrlToken(32);
    this.codes.set(code, { request, userId, expiresAt: Date.now() + CODE_LIFETIME_SECONDS * 1000 });
    return code;
  }

  /** The code's pending request if it has not expired; spent either way. */
  take(code: string): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending && pending.expiresAt > Date.now() ? pending : undefined;
  }

  /** Forgets every expired code. */
  sweep(now: number = Date.now()): void {
    for (const [code, pending] of this.codes) if (pending.expiresAt <= now) this.codes.delete(code);
  }
}

/** `POST /token` (RFC 6749 §4.1.3 with RFC 7636 §4.5), form-encoded. */
const codeGrantSchema = z.object({
  grant_type: z.string(),
  code: z.string().min(1).optional(),
  redirect_uri: z.string().min(1).optional(),
  client_id: z.string().min(1).optional(),
  code_verifier: z.string().min(1).optional(),
});

/** The tools-and-tests shortcut: `POST /token` with a JSON body. */
const tokenShortcutSchema = z.object({ username: z.string().min(1), client_id: z.string().optional() });

const refuse = (description: string): TokenAnswer => ({
  status: 400,
  body: { error: "invalid_grant", error_description: description },
});

/** Why a spent code's request does not match the redemption, if it does not. */
async function mismatch(
  pending: PendingCode,
  clientId: string,
  redirectUri: string,
  verifier: string,
): Promise<string | undefined> {
  if (pending.request.clientId !== clientId) return "The code was issued to another client";
  if (pending.request.redirectUri !== redirectUri)
    return "redirect_uri differs from the authorization request";
  if (!(await verifiesS256(verifier, pending.request.codeChallenge))) {
    return "code_verifier does not match the code_challenge";
  }
  return undefined;
}

/**
 * Redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is
 * spent by the first request that names it, whatever the outcome, so a stolen
 * code gets one guess at most and a reused one is refused.
 */
export async function redeemCode(
  registry: ClientRegistry,
  codes: AuthorizationCodes,
  form: Record<string, string>,
  issueTokens: IssueTokens,
): Promise<TokenAnswer> {
  const parsed = codeGrantSchema.safeParse(form);
  if (!parsed.success) return { status: 400, body: { error: "invalid_request" } };
  const { grant_type, code, redirect_uri, client_id, code_verifier } = parsed.data;
  if (grant_type !== "authorization_code") return { status: 400, body: { error: "unsupported_grant_type" } };
  if (!code || !redirect_uri || !client_id || !code_verifier) {
    return {
      status: 400,
      body: {
        error: "invalid_request",
        error_description: "code, redirect_uri, client_id and code_verifier are required",
      },
    };
  }
  if (!registry.clients.has(client_id)) return { status: 401, body: { error: "invalid_client" } };
  const pending = codes.take(code);
  if (!pending) return refuse("Unknown, used or expired code");
  const wrong = await mismatch(pending, client_id, redirect_uri, code_verifier);
  if (wrong) return refuse(wrong);
  return { status: 200, body: await issueTokens(pending.userId, pending.request.nonce, client_id) };
}

/** The shortcut: tokens for a demo user by name, for tools and tests (no browser, no password). */
export async function shortcutTokens(
  registry: ClientRegistry,
  text: string,
  defaultClientId: string,
  knownUser: (userId: string) => boolean,
  issueTokens: IssueTokens,
): Promise<TokenAnswer> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, body: { error: "invalid_request", error_description: "Send a JSON body" } };
  }
  const parsed = tokenShortcutSchema.safeParse(body);
  if (!parsed.success) {
    return {
      status: 400,
      body: { error: "invalid_request", error_description: '{"username": "<demo user id>"}' },
    };
  }
  const audience = parsed.data.client_id ?? defaultClientId;
  if (!registry.clients.has(audience)) return { status: 400, body: { error: "invalid_client" } };
  if (!knownUser(parsed.data.username)) {
    return { status: 400, body: { error: "invalid_grant", error_description: "Unknown demo user" } };
  }
  return { status: 200, body: await issueTokens(parsed.data.username, undefined, audience) };
}
