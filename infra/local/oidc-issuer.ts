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
import { DEPARTMENT_IDS, type DepartmentId } from "#shared/schemas/common.ts";

/**
 * A local OpenID Connect issuer for `npm start` and the tests: discovery, JWKS,
 * RS256 tokens carrying the claims of shared/auth/actor.ts, a sign-in page that
 * lists the demo users, and `POST /token` for tools. It stands in for the
 * Cognito user pool (or a provincial identity service) that signs users in on
 * AWS; nothing here is deployed.
 *
 * It listens on a port of its own rather than under the API's `/auth/…`: a
 * real identity provider is a different origin from the API, the API's route
 * table stays the only thing the HTTP API serves, and the issuer URL (`iss`)
 * must not change when the API port does. The port is kept in the data folder,
 * like the signing key, so tokens issued before a restart still verify after it.
 */

/** Token lifetime: Cognito's default for ID and access tokens. */
export const TOKEN_LIFETIME_SECONDS = 3600;
export const DEFAULT_CLIENT_ID = "nongfang-web";
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
  readonly clientId?: string;
  /** Origins `redirect_uri` may point to (the local web app). Anything else is refused with 400. */
  readonly redirectOrigins: readonly string[];
  readonly directory?: DemoDirectory;
}

export interface LocalOidcIssuer {
  /** The issuer URL: `iss` of every token and the base of the discovery document. */
  readonly url: string;
  readonly clientId: string;
  readonly jwksUri: string;
  readonly directory: DemoDirectory;
  /** Signs tokens for a demo user, as the sign-in page and `POST /token` do. */
  issue(userId: string, nonce?: string): Promise<TokenResponse>;
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

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state?: string;
  readonly nonce?: string;
}

function signInPage(directory: DemoDirectory, request: AuthorizeRequest | undefined): string {
  const placeName = (code: string) => {
    const place = [...directory.townships, ...directory.villages].find((entry) => entry.code === code);
    return place ? `${place.zh} ${code}` : code;
  };
  const hidden = request
    ? [
        ["client_id", request.clientId],
        ["redirect_uri", request.redirectUri],
        ["state", request.state],
        ["nonce", request.nonce],
      ]
        .filter((pair): pair is [string, string] => pair[1] !== undefined)
        .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
        .join("")
    : "";
  const groups = ROLES.map((role) => {
    const users = directory.users.filter((user) => user.role === role);
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
  const intro = request
    ? "<p>选择一位演示用户登录。<br><small>Choose a demo user to sign in as.</small></p>"
    : `<p>本地演示登录：请从应用中打开 <code>/authorize</code>；工具可用 <code>POST /token</code>。<br><small>Local demo sign-in: apps open <code>/authorize</code>; tools use <code>POST /token</code> with <code>{"username": "…"}</code>.</small></p>`;
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
  state: z.string().max(2048).optional(),
  nonce: z.string().max(2048).optional(),
  response_type: z.string().optional(),
  username: z.string().optional(),
});

const tokenRequestSchema = z.object({ username: z.string().min(1), client_id: z.string().optional() });

/** The response types a browser app can use without a back channel (implicit flow). */
const RESPONSE_TYPES = new Set(["id_token token", "token id_token", "id_token", "token"]);

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
  const key = await signingKey(options.dataDir);
  const redirectOrigins = new Set(options.redirectOrigins.map((origin) => new URL(origin).origin));
  const usersById = new Map(directory.users.map((user) => [user.id, user]));
  let issuerUrl = "";

  const issue = async (userId: string, nonce?: string): Promise<TokenResponse> => {
    const user = usersById.get(userId);
    if (!user) throw new UnknownUserError(userId);
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: JWTPayload) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: "JWT" })
        .setIssuer(issuerUrl)
        .setAudience(clientId)
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
      sign({ ...claims, token_use: "access", client_id: clientId, scope: "openid profile" }),
    ]);
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_SECONDS,
    };
  };

  /** Checks client_id and redirect_uri before anything is shown or redirected (RFC 6749 §4.1.2.1). */
  const checkAuthorize = (
    fields: Record<string, string>,
  ): { request: AuthorizeRequest; username?: string } | { status: number; html: string } => {
    const parsed = authorizeSchema.safeParse(fields);
    if (!parsed.success) return errorPage(400, "请求参数不完整", "client_id and redirect_uri are required");
    const { client_id, redirect_uri, state, nonce, response_type, username } = parsed.data;
    if (client_id !== clientId) return errorPage(400, "未知的应用", `Unknown client_id`);
    let target: URL;
    try {
      target = new URL(redirect_uri);
    } catch {
      return errorPage(400, "回调地址无效", "redirect_uri is not a URL");
    }
    if (!redirectOrigins.has(target.origin) || target.hash !== "" || target.username || target.password) {
      return errorPage(400, "回调地址不在允许列表中", "redirect_uri is not an allowed local web origin");
    }
    if (response_type !== undefined && !RESPONSE_TYPES.has(response_type)) {
      return errorPage(400, "不支持的 response_type", "Unsupported response_type");
    }
    return {
      request: {
        clientId: client_id,
        redirectUri: redirect_uri,
        ...(state !== undefined ? { state } : {}),
        ...(nonce !== undefined ? { nonce } : {}),
      },
      ...(username !== undefined ? { username } : {}),
    };
  };

  const json = (response: ServerResponse, status: number, body: unknown, cors = false) => {
    response.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...(cors ? { "access-control-allow-origin": "*" } : {}),
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

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? "/", "http://local");
      const route = `${request.method} ${url.pathname}`;
      if (route === "GET /.well-known/openid-configuration") {
        return json(
          response,
          200,
          {
            issuer: issuerUrl,
            authorization_endpoint: `${issuerUrl}/authorize`,
            token_endpoint: `${issuerUrl}/token`,
            jwks_uri: `${issuerUrl}/.well-known/jwks.json`,
            response_types_supported: [...RESPONSE_TYPES],
            response_modes_supported: ["fragment"],
            grant_types_supported: ["implicit"],
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
          true,
        );
      }
      if (route === "GET /.well-known/jwks.json") return json(response, 200, { keys: [key.publicJwk] }, true);
      if (route === "GET /") return html(response, 200, signInPage(directory, undefined));
      if (route === "GET /authorize") {
        const checked = checkAuthorize(Object.fromEntries(url.searchParams));
        if ("html" in checked) return html(response, checked.status, checked.html);
        return html(response, 200, signInPage(directory, checked.request));
      }
      if (route === "POST /authorize") {
        const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
        const checked = checkAuthorize(form);
        if ("html" in checked) return html(response, checked.status, checked.html);
        if (!checked.username || !usersById.has(checked.username)) {
          const page = errorPage(400, "未知的演示用户", "Unknown demo user");
          return html(response, page.status, page.html);
        }
        const tokens = await issue(checked.username, checked.request.nonce);
        // Tokens travel in the fragment: it never reaches a server or an access log.
        const fragment = new URLSearchParams({
          id_token: tokens.id_token,
          access_token: tokens.access_token,
          token_type: tokens.token_type,
          expires_in: String(tokens.expires_in),
          ...(checked.request.state !== undefined ? { state: checked.request.state } : {}),
        });
        response.writeHead(303, {
          location: `${checked.request.redirectUri}#${fragment}`,
          "cache-control": "no-store",
        });
        return response.end();
      }
      if (route === "POST /token") {
        let body: unknown;
        try {
          body = JSON.parse(await readBody(request));
        } catch (error) {
          if (error instanceof RequestTooLargeError) throw error;
          return json(response, 400, { error: "invalid_request", error_description: "Send a JSON body" });
        }
        const parsed = tokenRequestSchema.safeParse(body);
        if (!parsed.success) {
          return json(response, 400, {
            error: "invalid_request",
            error_description: '{"username": "<demo user id>"}',
          });
        }
        if (parsed.data.client_id !== undefined && parsed.data.client_id !== clientId) {
          return json(response, 400, { error: "invalid_client" });
        }
        if (!usersById.has(parsed.data.username)) {
          return json(response, 400, { error: "invalid_grant", error_description: "Unknown demo user" });
        }
        return json(response, 200, await issue(parsed.data.username));
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
