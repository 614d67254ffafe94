import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import * as z from "zod";
import { ROLES, type Role } from "#shared/auth/actor.ts";
import { needsMultiFactor } from "#shared/auth/mfa.ts";
import { randomUrlToken, verifiesS256 } from "#shared/auth/pkce.ts";
import { DEPARTMENT_IDS, type DepartmentId } from "#shared/schemas/common.ts";

/**
 * A local OpenID Connect issuer for `npm start` and the tests: discovery, JWKS,
 * RS256 tokens carrying the claims of shared/auth/actor.ts, and the OAuth 2.0
 * authorization code flow with PKCE the web app uses (web/src/auth.ts), the
 * same flow it runs against Cognito's managed login on AWS:
 *
 * 1. `GET /authorize?response_type=code&client_id&redirect_uri&code_challenge&code_challenge_method=S256&state&nonce`
 *    shows a sign-in page listing the demo users of that app client (no passwords);
 * 2. choosing one redirects to `redirect_uri?code=…&state=…`;
 * 3. the app sends `POST /token` (form: `grant_type=authorization_code`, `code`,
 *    `redirect_uri`, `client_id`, `code_verifier`) and gets the tokens. A code is
 *    good for one redemption attempt within five minutes, by the client it was
 *    issued to, with the same redirect_uri and a verifier hashing to its challenge;
 *    anything else is `invalid_grant`.
 *
 * Two public app clients, as in the Cognito pool (infra/constructs/identity.ts):
 * `nongfang-web` for villagers and `nongfang-web-staff` for everyone else; each
 * client's page lists only its own kind of account. `GET /logout` redirects to
 * `post_logout_redirect_uri` (there is no session to end here). `POST /token`
 * with a JSON body `{"username": …}` stays a tools-and-tests shortcut that
 * skips the browser (**local only, never deployed**).
 *
 * It listens on a port of its own rather than under the API's `/auth/…`: a
 * real identity provider is a different origin from the API, the API's route
 * table stays the only thing the HTTP API serves, and the issuer URL (`iss`)
 * must not change when the API port does. The port is kept in the data folder,
 * like the signing key, so tokens issued before a restart still verify after it.
 * Nothing here is deployed.
 */

/** Token lifetime: Cognito's default for ID and access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
/** The villager app client (also the default audience of `POST /token`'s shortcut). */
export const DEFAULT_CLIENT_ID = "nongfang-web";
export const DEFAULT_STAFF_CLIENT_ID = "nongfang-web-staff";
/** How long an authorization code may wait for its redemption (RFC 6749 §4.1.2 recommends ten minutes at most). */
export const CODE_LIFETIME_SECONDS = 300;
const ALGORITHM = "RS256";

const townshipCode = z.string().regex(/^\d{9}$/, "a 9-digit township code");
const villageCode = z.string().regex(/^\d{12}$/, "a 12-digit village code");
const placeSchema = z.strictObject({ code: z.string().min(1), zh: z.string().min(1), en: z.string().min(1) });

export const demoUserSchema = z
  .strictObject({
    /** Also the username for `POST /token` and the `sub` claim. */
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    role: z.enum(ROLES),
    department: z.enum(DEPARTMENT_IDS).optional(),
    townships: z.array(townshipCode).optional(),
    village: villageCode.optional(),
    household: z.string().min(1).optional(),
  })
  .refine((user) => (user.role === "department_reviewer") === (user.department !== undefined), {
    message: "department reviewers, and only they, name a department",
  })
  .refine((user) => user.role !== "villager" || Boolean(user.village && user.household), {
    message: "villagers belong to a village and a household",
  })
  .refine((user) => user.role === "villager" || (user.townships?.length ?? 0) > 0, {
    message: "staff work in at least one township",
  });
export type DemoUser = z.infer<typeof demoUserSchema>;

export const demoDirectorySchema = z
  .strictObject({
    county: placeSchema,
    townships: z.array(placeSchema).min(1),
    villages: z.array(placeSchema),
    users: z.array(demoUserSchema).min(1),
  })
  .superRefine((directory, context) => {
    const seen = new Set<string>();
    for (const user of directory.users) {
      if (seen.has(user.id)) context.addIssue({ code: "custom", message: `duplicate user id ${user.id}` });
      seen.add(user.id);
    }
  });
export type DemoDirectory = z.infer<typeof demoDirectorySchema>;

export const DEMO_USERS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "demo-users.json");

/** Reads and validates the demo users; a broken file fails the start, not a later sign-in. */
export async function loadDemoDirectory(file: string = DEMO_USERS_FILE): Promise<DemoDirectory> {
  return demoDirectorySchema.parse(JSON.parse(await readFile(file, "utf8")));
}

/** The claims of shared/auth/actor.ts for a user (Cognito's custom-attribute names). */
export function actorClaimsOf(user: DemoUser): Record<string, string> {
  return {
    sub: user.id,
    name: user.name,
    "custom:role": user.role,
    ...(user.department ? { "custom:department": user.department } : {}),
    ...(user.townships?.length ? { "custom:townships": user.townships.join(",") } : {}),
    ...(user.village ? { "custom:village": user.village } : {}),
    ...(user.household ? { "custom:household": user.household } : {}),
  };
}

/**
 * The `amr` claim (RFC 8176) of a demo user's tokens, as a real sign-in would
 * produce it: staff sign in with a password and an authenticator code
 * (`["pwd", "otp", "mfa"]`, the values Cognito uses), villagers with an SMS
 * code (`["sms"]`). The API refuses staff tokens without multi-factor
 * evidence (shared/auth/mfa.ts), so the demo users must carry it.
 */
export function amrOf(user: DemoUser): string[] {
  return needsMultiFactor(user.role) ? ["pwd", "otp", "mfa"] : ["sms"];
}

export interface TokenResponse {
  readonly access_token: string;
  readonly id_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
}

export interface LocalOidcIssuerOptions {
  /** Keeps the signing key and the port; `<cloud dataDir>/oidc`. */
  readonly dataDir: string;
  /** A fixed port; 0 or absent reuses the port of the last start, else picks a free one. */
  readonly port?: number;
  /** The villager app client id (default `nongfang-web`). */
  readonly clientId?: string;
  /** The staff app client id (default `nongfang-web-staff`). */
  readonly staffClientId?: string;
  /**
   * Origins `redirect_uri` and `post_logout_redirect_uri` may point to (the
   * local web app), which may also call `POST /token` (CORS). Anything else is refused.
   */
  readonly redirectOrigins: readonly string[];
  readonly directory?: DemoDirectory;
}

export interface LocalOidcIssuer {
  /** The issuer URL: `iss` of every token and the base of the discovery document. */
  readonly url: string;
  /** The villager app client id. */
  readonly clientId: string;
  /** The staff app client id. */
  readonly staffClientId: string;
  readonly jwksUri: string;
  readonly directory: DemoDirectory;
  /** Signs tokens for a demo user (`aud`: `clientId`, default the villager client), as `/token` does. */
  issue(userId: string, nonce?: string, clientId?: string): Promise<TokenResponse>;
  close(): Promise<void>;
}

const keyFileSchema = z.object({ privateJwk: z.record(z.string(), z.unknown()) });
const stateFileSchema = z.object({ port: z.number().int().positive() });

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** The key pair is generated once and kept in the data folder, so tokens survive a restart. */
async function signingKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, "signing-key.json");
  let privateJwk: JWK;
  try {
    privateJwk = keyFileSchema.parse(JSON.parse(await readFile(file, "utf8"))).privateJwk as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const pair = await generateKeyPair(ALGORITHM, { extractable: true, modulusLength: 2048 });
    privateJwk = await exportJWK(pair.privateKey);
    // Readable by the owner only: it is a private key, even if only a local one.
    await writeFile(file, `${JSON.stringify({ privateJwk }, null, 2)}\n`, { mode: 0o600 });
  }
  const { kty, n, e } = privateJwk;
  if (kty !== "RSA" || !n || !e) throw new Error(`${file} holds no RSA key`);
  const publicJwk: JWK = { kty, n, e };
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  if (!(privateKey instanceof CryptoKey)) throw new Error(`${file} holds no usable RSA key`);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ALGORITHM, use: "sig" } };
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  villager: { zh: "村民（申请人）", en: "Villager (applicant)" },
  village_officer: { zh: "村级组织", en: "Village officer" },
  township_clerk: { zh: "乡镇受理窗口", en: "Township window clerk" },
  department_reviewer: { zh: "部门审查", en: "Department reviewer" },
  township_head: { zh: "乡镇审批领导", en: "Township head" },
  site_inspector: { zh: "现场踏勘", en: "Site inspector" },
  auditor: { zh: "审计查询", en: "Auditor" },
  county_admin: { zh: "县级管理员", en: "County administrator" },
};

const DEPARTMENT_LABELS: Record<DepartmentId, { zh: string; en: string }> = {
  agriculture: { zh: "农业农村", en: "Agriculture and rural affairs" },
  natural_resources: { zh: "自然资源", en: "Natural resources" },
  housing_construction: { zh: "住房城乡建设", en: "Housing and construction" },
  forestry: { zh: "林业", en: "Forestry" },
  water: { zh: "水利", en: "Water resources" },
  power: { zh: "电力", en: "Power" },
  roads: { zh: "交通公路", en: "Roads" },
};

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ?? "",
  );

/** Which accounts an app client signs in: the villager client villagers, the staff client everyone else. */
type ClientKind = "villager" | "staff";

const isKind = (user: DemoUser, kind: ClientKind) => (user.role === "villager") === (kind === "villager");

/** An authorization request that passed every check (RFC 6749 §4.1.1, RFC 7636 §4.3). */
interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope?: string;
  readonly state?: string;
  readonly nonce?: string;
}

function signInPage(
  directory: DemoDirectory,
  request: AuthorizeRequest | undefined,
  kind: ClientKind,
): string {
  const placeName = (code: string) => {
    const place = [...directory.townships, ...directory.villages].find((entry) => entry.code === code);
    return place ? `${place.zh} ${code}` : code;
  };
  // The whole request goes back with the choice: POST /authorize checks it again before issuing a code.
  const hidden = request
    ? [
        ["response_type", "code"],
        ["client_id", request.clientId],
        ["redirect_uri", request.redirectUri],
        ["code_challenge", request.codeChallenge],
        ["code_challenge_method", "S256"],
        ["scope", request.scope],
        ["state", request.state],
        ["nonce", request.nonce],
      ]
        .filter((pair): pair is [string, string] => pair[1] !== undefined)
        .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
        .join("")
    : "";
  const groups = ROLES.map((role) => {
    const users = directory.users.filter((user) => user.role === role && (!request || isKind(user, kind)));
    if (users.length === 0) return "";
    const items = users
      .map((user) => {
        const details = [
          user.department
            ? `${DEPARTMENT_LABELS[user.department].zh} · ${DEPARTMENT_LABELS[user.department].en}`
            : undefined,
          user.village ? placeName(user.village) : undefined,
          ...(user.townships ?? []).map(placeName),
          user.household ? `户 Household ${user.household}` : undefined,
        ]
          .filter(Boolean)
          .map((detail) => escapeHtml(String(detail)))
          .join(" · ");
        const label = `<span class="name">${escapeHtml(user.name)}</span> <code>${escapeHtml(user.id)}</code><br><small>${details}</small>`;
        return request
          ? `<li><form method="post" action="/authorize">${hidden}<input type="hidden" name="username" value="${escapeHtml(user.id)}"><button type="submit" data-user="${escapeHtml(user.id)}">${label}</button></form></li>`
          : `<li data-user="${escapeHtml(user.id)}">${label}</li>`;
      })
      .join("");
    return `<section data-role="${role}"><h2>${ROLE_LABELS[role].zh} <small>${ROLE_LABELS[role].en}</small></h2><ul>${items}</ul></section>`;
  }).join("");
  const intro = !request
    ? `<p>本地演示登录：请从网页应用登录（授权码 + PKCE）；工具可用 <code>POST /token</code>。<br><small>Local demo sign-in: sign in from the web app (authorization code + PKCE); tools use <code>POST /token</code> with <code>{"username": "…"}</code>.</small></p>`
    : kind === "villager"
      ? "<p>村民登录：选择一位演示村民。<br><small>Villager sign-in (an SMS code on AWS): choose a demo villager.</small></p>"
      : "<p>工作人员登录：选择一位演示工作人员。<br><small>Staff sign-in (password and a second factor on AWS): choose a demo staff member.</small></p>";
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · Sign in — 农房 Nongfang (本地演示 local demo)</title>
<style>
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f5f5f0}
header,main{max-width:40rem;margin:0 auto;padding:0.75rem}header{background:#2f5d3a;color:#fff;max-width:none}
h1{font-size:1.25rem;margin:0}h2{font-size:1rem;margin:1.25rem 0 0.5rem}h2 small,li small{color:#555;font-weight:normal}
ul{list-style:none;margin:0;padding:0}li{margin:0 0 0.5rem}form{margin:0}
button,li[data-user]{display:block;width:100%;text-align:left;padding:0.6rem 0.75rem;border:1px solid #c8c8c0;border-radius:6px;background:#fff;font:inherit;color:inherit;cursor:pointer;overflow-wrap:anywhere}
button:focus,button:hover{border-color:#2f5d3a;outline:2px solid #2f5d3a}.name{font-weight:600}code{font-size:0.85em}
.warn{background:#fff4d6;border:1px solid #e0c060;border-radius:6px;padding:0.5rem 0.75rem;font-size:0.9rem}
</style>
</head>
<body>
<header><h1>农房 · 登录 <small>Nongfang · Sign in</small></h1></header>
<main>
<p class="warn">仅供本地开发演示，无需密码。<br><small>Local development only: demo users, no passwords.</small></p>
${intro}
${groups}
</main>
</body>
</html>`;
}

function errorPage(status: number, zh: string, en: string): { status: number; html: string } {
  return {
    status,
    html: `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(en)}</title></head><body><h1>${escapeHtml(zh)}</h1><p>${escapeHtml(en)}</p></body></html>`,
  };
}

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

/** An S256 challenge is the base64url SHA-256 of the verifier: exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

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

interface PendingCode {
  readonly request: AuthorizeRequest;
  readonly userId: string;
  readonly expiresAt: number;
}

async function readBody(request: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new RequestTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

class RequestTooLargeError extends Error {
  constructor() {
    super("Request body too large");
    this.name = "RequestTooLargeError";
  }
}

export async function startLocalOidcIssuer(options: LocalOidcIssuerOptions): Promise<LocalOidcIssuer> {
  await mkdir(options.dataDir, { recursive: true });
  const directory = options.directory ?? (await loadDemoDirectory());
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const staffClientId = options.staffClientId ?? DEFAULT_STAFF_CLIENT_ID;
  const clients = new Map<string, ClientKind>([
    [clientId, "villager"],
    [staffClientId, "staff"],
  ]);
  const key = await signingKey(options.dataDir);
  const redirectOrigins = new Set(options.redirectOrigins.map((origin) => new URL(origin).origin));
  const usersById = new Map(directory.users.map((user) => [user.id, user]));
  // Authorization codes live in memory only: a restart voids the few seconds' worth in flight.
  const codes = new Map<string, PendingCode>();
  let issuerUrl = "";

  const issue = async (
    userId: string,
    nonce?: string,
    audience: string = clientId,
  ): Promise<TokenResponse> => {
    const user = usersById.get(userId);
    if (!user) throw new UnknownUserError(userId);
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: JWTPayload) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: "JWT" })
        .setIssuer(issuerUrl)
        .setAudience(audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
        .setJti(randomUUID())
        .sign(key.privateKey);
    // Both tokens carry the actor claims: behind Cognito the web app sends the ID
    // token (Cognito puts custom attributes only there), so either must work.
    const claims = { ...actorClaimsOf(user), amr: amrOf(user), auth_time: now };
    const [idToken, accessToken] = await Promise.all([
      sign({ ...claims, token_use: "id", ...(nonce ? { nonce } : {}) }),
      sign({ ...claims, token_use: "access", client_id: audience, scope: "openid profile" }),
    ]);
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_SECONDS,
    };
  };

  /** A redirect_uri this issuer may send a browser to: an allowed local web origin, no fragment or userinfo. */
  const allowedRedirect = (value: string): URL | undefined => {
    let target: URL;
    try {
      target = new URL(value);
    } catch {
      return undefined;
    }
    if (!redirectOrigins.has(target.origin) || target.hash !== "" || target.username || target.password) {
      return undefined;
    }
    return target;
  };

  /** The error redirect of RFC 6749 §4.1.2.1, once client and redirect_uri are known to be good. */
  const errorRedirect = (redirectUri: string, error: string, description: string, state?: string) => {
    const target = new URL(redirectUri);
    target.searchParams.set("error", error);
    target.searchParams.set("error_description", description);
    if (state !== undefined) target.searchParams.set("state", state);
    return { redirect: target.toString() };
  };

  /**
   * Checks an authorization request. client_id and redirect_uri first: until both
   * are known good nothing is redirected anywhere (RFC 6749 §4.1.2.1), a page says
   * what is wrong. Then the code flow with PKCE S256 only: no implicit flow (the
   * OAuth 2.0 for Browser-Based Apps BCP), no `plain` challenge.
   */
  const checkAuthorize = (
    fields: Record<string, string>,
  ):
    | { request: AuthorizeRequest; kind: ClientKind; username?: string }
    | { status: number; html: string }
    | { redirect: string } => {
    const parsed = authorizeSchema.safeParse(fields);
    if (!parsed.success) return errorPage(400, "请求参数不完整", "client_id and redirect_uri are required");
    const { client_id, redirect_uri, response_type, code_challenge, code_challenge_method, state } =
      parsed.data;
    const kind = clients.get(client_id);
    if (!kind) return errorPage(400, "未知的应用", "Unknown client_id");
    if (!allowedRedirect(redirect_uri)) {
      return errorPage(400, "回调地址不在允许列表中", "redirect_uri is not an allowed local web origin");
    }
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
    const { scope, nonce, username } = parsed.data;
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
  };

  /**
   * Redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is
   * spent by the first request that names it, whatever the outcome, so a stolen
   * code gets one guess at most and a reused one is refused.
   */
  const redeem = async (form: Record<string, string>): Promise<{ status: number; body: unknown }> => {
    const parsed = codeGrantSchema.safeParse(form);
    if (!parsed.success) return { status: 400, body: { error: "invalid_request" } };
    const { grant_type, code, redirect_uri, client_id, code_verifier } = parsed.data;
    if (grant_type !== "authorization_code")
      return { status: 400, body: { error: "unsupported_grant_type" } };
    if (!code || !redirect_uri || !client_id || !code_verifier) {
      return {
        status: 400,
        body: {
          error: "invalid_request",
          error_description: "code, redirect_uri, client_id and code_verifier are required",
        },
      };
    }
    if (!clients.has(client_id)) return { status: 401, body: { error: "invalid_client" } };
    const pending = codes.get(code);
    codes.delete(code);
    const refuse = (description: string) => ({
      status: 400,
      body: { error: "invalid_grant", error_description: description },
    });
    if (!pending || pending.expiresAt <= Date.now()) return refuse("Unknown, used or expired code");
    if (pending.request.clientId !== client_id) return refuse("The code was issued to another client");
    if (pending.request.redirectUri !== redirect_uri)
      return refuse("redirect_uri differs from the authorization request");
    if (!(await verifiesS256(code_verifier, pending.request.codeChallenge))) {
      return refuse("code_verifier does not match the code_challenge");
    }
    return { status: 200, body: await issue(pending.userId, pending.request.nonce, client_id) };
  };

  /** The local web app may call the token endpoint from its own origin (CORS), nobody else. */
  const corsHeaders = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    return origin && redirectOrigins.has(origin)
      ? { "access-control-allow-origin": origin, vary: "origin" }
      : { vary: "origin" };
  };

  const json = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      pragma: "no-cache",
      ...headers,
    });
    response.end(JSON.stringify(body));
  };
  const html = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // Chromium applies form-action to the POST's redirect too: the web app origins must be listed.
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${[...redirectOrigins].join(" ")}`,
      "x-frame-options": "DENY",
    });
    response.end(body);
  };
  const redirect = (response: ServerResponse, location: string) => {
    response.writeHead(303, { location, "cache-control": "no-store" });
    response.end();
  };

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? "/", "http://local");
      const route = `${request.method} ${url.pathname}`;
      const now = Date.now();
      for (const [code, pending] of codes) if (pending.expiresAt <= now) codes.delete(code);
      if (route === "GET /.well-known/openid-configuration") {
        return json(
          response,
          200,
          {
            issuer: issuerUrl,
            authorization_endpoint: `${issuerUrl}/authorize`,
            token_endpoint: `${issuerUrl}/token`,
            end_session_endpoint: `${issuerUrl}/logout`,
            jwks_uri: `${issuerUrl}/.well-known/jwks.json`,
            response_types_supported: ["code"],
            response_modes_supported: ["query"],
            grant_types_supported: ["authorization_code"],
            code_challenge_methods_supported: ["S256"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: [ALGORITHM],
            token_endpoint_auth_methods_supported: ["none"],
            scopes_supported: ["openid", "profile"],
            claims_supported: [
              "sub",
              "name",
              "amr",
              "custom:role",
              "custom:department",
              "custom:townships",
              "custom:village",
              "custom:household",
            ],
          },
          { "access-control-allow-origin": "*" },
        );
      }
      if (route === "GET /.well-known/jwks.json") {
        return json(response, 200, { keys: [key.publicJwk] }, { "access-control-allow-origin": "*" });
      }
      if (route === "GET /") return html(response, 200, signInPage(directory, undefined, "villager"));
      if (route === "GET /authorize") {
        const checked = checkAuthorize(Object.fromEntries(url.searchParams));
        if ("redirect" in checked) return redirect(response, checked.redirect);
        if ("html" in checked) return html(response, checked.status, checked.html);
        return html(response, 200, signInPage(directory, checked.request, checked.kind));
      }
      if (route === "POST /authorize") {
        const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
        const checked = checkAuthorize(form);
        if ("redirect" in checked) return redirect(response, checked.redirect);
        if ("html" in checked) return html(response, checked.status, checked.html);
        const user = checked.username ? usersById.get(checked.username) : undefined;
        if (!user || !isKind(user, checked.kind)) {
          const page = errorPage(400, "此应用没有这位演示用户", "No such demo user for this app client");
          return html(response, page.status, page.html);
        }
        const code = randomUrlToken(32);
        codes.set(code, {
          request: checked.request,
          userId: user.id,
          expiresAt: Date.now() + CODE_LIFETIME_SECONDS * 1000,
        });
        // Only the code travels in the URL: it is worthless without the verifier the app kept.
        const target = new URL(checked.request.redirectUri);
        target.searchParams.set("code", code);
        if (checked.request.state !== undefined) target.searchParams.set("state", checked.request.state);
        return redirect(response, target.toString());
      }
      if (route === "OPTIONS /token") {
        response.writeHead(204, {
          ...corsHeaders(request),
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": "content-type",
          "access-control-max-age": "600",
        });
        return response.end();
      }
      if (route === "POST /token") {
        const cors = corsHeaders(request);
        const text = await readBody(request);
        if (!text.trimStart().startsWith("{")) {
          const answer = await redeem(Object.fromEntries(new URLSearchParams(text)));
          return json(response, answer.status, answer.body, cors);
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return json(
            response,
            400,
            { error: "invalid_request", error_description: "Send a JSON body" },
            cors,
          );
        }
        const parsed = tokenShortcutSchema.safeParse(body);
        if (!parsed.success) {
          return json(
            response,
            400,
            { error: "invalid_request", error_description: '{"username": "<demo user id>"}' },
            cors,
          );
        }
        const audience = parsed.data.client_id ?? clientId;
        if (!clients.has(audience)) return json(response, 400, { error: "invalid_client" }, cors);
        if (!usersById.has(parsed.data.username)) {
          return json(
            response,
            400,
            { error: "invalid_grant", error_description: "Unknown demo user" },
            cors,
          );
        }
        return json(response, 200, await issue(parsed.data.username, undefined, audience), cors);
      }
      if (route === "GET /logout") {
        // OpenID Connect RP-Initiated Logout's parameter, or Cognito's `logout_uri` (the web app sends both).
        const target = url.searchParams.get("post_logout_redirect_uri") ?? url.searchParams.get("logout_uri");
        const client = url.searchParams.get("client_id");
        if (client !== null && !clients.has(client)) {
          const page = errorPage(400, "未知的应用", "Unknown client_id");
          return html(response, page.status, page.html);
        }
        if (target === null) {
          const page = errorPage(200, "已退出登录", "Signed out");
          return html(response, page.status, page.html);
        }
        if (!allowedRedirect(target)) {
          const page = errorPage(
            400,
            "退出后的地址不在允许列表中",
            "post_logout_redirect_uri is not allowed",
          );
          return html(response, page.status, page.html);
        }
        return redirect(response, target);
      }
      return json(response, 404, { error: "not_found" });
    } catch (error) {
      if (response.headersSent) return response.end();
      if (error instanceof RequestTooLargeError) return json(response, 413, { error: "request_too_large" });
      return json(response, 500, { error: "server_error" });
    }
  });

  // Keep the port of the last start: `iss` is the issuer URL, so a new port would void every token.
  const stateFile = path.join(options.dataDir, "issuer.json");
  const remembered = await readFile(stateFile, "utf8")
    .then((text) => stateFileSchema.parse(JSON.parse(text)).port)
    .catch(() => undefined);
  let port: number;
  if (options.port) port = await listen(server, options.port);
  else if (remembered) port = await listen(server, remembered).catch(() => listen(server, 0));
  else port = await listen(server, 0);
  await writeFile(stateFile, `${JSON.stringify({ port })}\n`);
  issuerUrl = `http://127.0.0.1:${port}`;

  return {
    url: issuerUrl,
    clientId,
    staffClientId,
    jwksUri: `${issuerUrl}/.well-known/jwks.json`,
    directory,
    issue,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export class UnknownUserError extends Error {
  constructor(userId: string) {
    super(`No demo user ${userId}`);
    this.name = "UnknownUserError";
  }
}
