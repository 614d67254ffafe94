/**
 * The local issuer's HTTP routes: discovery, JWKS, the sign-in page,
 * `/authorize`, `/token` and `/logout`, one function each, dispatched by
 * `METHOD /path`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AuthorizeOutcome, allowedRedirect, type ClientRegistry, checkAuthorize } from "./authorize.ts";
import { type DemoDirectory, type DemoUser, isKind } from "./directory.ts";
import { RequestTooLargeError, readBody, sendHtml, sendJson, sendRedirect } from "./http.ts";
import { errorPage, type HtmlPage, signInPage } from "./sign-in-page.ts";
import { type AuthorizationCodes, type IssueTokens, redeemCode, shortcutTokens } from "./token-endpoint.ts";
import { ALGORITHM, type SigningKey } from "./tokens.ts";

/** What the routes share: the clients, the users, the codes in flight, the key and the issuer URL. */
export interface IssuerState extends ClientRegistry {
  readonly directory: DemoDirectory;
  readonly usersById: ReadonlyMap<string, DemoUser>;
  readonly codes: AuthorizationCodes;
  readonly key: SigningKey;
  /** The villager app client: the default audience of the `POST /token` shortcut. */
  readonly clientId: string;
  /** Known once the server listens. */
  readonly issuerUrl: () => string;
  readonly issue: IssueTokens;
}

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly state: IssuerState;
}

type Route = (exchange: Exchange) => Promise<void> | void;

const ANY_ORIGIN = { "access-control-allow-origin": "*" };

const html = ({ response, state }: Exchange, page: HtmlPage) =>
  sendHtml(response, page.status, page.html, state.redirectOrigins);

/** The local web app may call the token endpoint from its own origin (CORS), nobody else. */
function corsHeaders({ request, state }: Exchange): Record<string, string> {
  const origin = request.headers.origin;
  return origin && state.redirectOrigins.has(origin)
    ? { "access-control-allow-origin": origin, vary: "origin" }
    : { vary: "origin" };
}

function discoveryDocument(issuerUrl: string): Record<string, unknown> {
  return {
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
  };
}

/** Answers an outcome that is a page or a redirect; true when it did. */
function answeredProblem(exchange: Exchange, checked: AuthorizeOutcome): boolean {
  if ("redirect" in checked) sendRedirect(exchange.response, checked.redirect);
  else if ("html" in checked) html(exchange, checked);
  else return false;
  return true;
}

const getAuthorize: Route = (exchange) => {
  const checked = checkAuthorize(exchange.state, Object.fromEntries(exchange.url.searchParams));
  if (answeredProblem(exchange, checked) || !("request" in checked)) return;
  html(exchange, { status: 200, html: signInPage(exchange.state.directory, checked.request, checked.kind) });
};

const postAuthorize: Route = async (exchange) => {
  const { state } = exchange;
  const form = Object.fromEntries(new URLSearchParams(await readBody(exchange.request)));
  const checked = checkAuthorize(state, form);
  if (answeredProblem(exchange, checked) || !("request" in checked)) return;
  const user = checked.username ? state.usersById.get(checked.username) : undefined;
  if (!user || !isKind(user, checked.kind)) {
    return html(exchange, errorPage(400, "此应用没有这位演示用户", "No such demo user for this app client"));
  }
  const code = state.codes.issue(checked.request, user.id);
  // Only the code travels in the URL: it is worthless without the verifier the app kept.
  const target = new URL(checked.request.redirectUri);
  target.searchParams.set("code", code);
  if (checked.request.state !== undefined) target.searchParams.set("state", checked.request.state);
  sendRedirect(exchange.response, target.toString());
};

const tokenPreflight: Route = (exchange) => {
  exchange.response.writeHead(204, {
    ...corsHeaders(exchange),
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "content-type",
    "access-control-max-age": "600",
  });
  exchange.response.end();
};

const postToken: Route = async (exchange) => {
  const { state } = exchange;
  const text = await readBody(exchange.request);
  const answer = text.trimStart().startsWith("{")
    ? await shortcutTokens(state, text, state.clientId, (id) => state.usersById.has(id), state.issue)
    : await redeemCode(state, state.codes, Object.fromEntries(new URLSearchParams(text)), state.issue);
  sendJson(exchange.response, answer.status, answer.body, corsHeaders(exchange));
};

const getLogout: Route = (exchange) => {
  const { url, state } = exchange;
  // OpenID Connect RP-Initiated Logout's parameter, or Cognito's `logout_uri` (the web app sends both).
  const target = url.searchParams.get("post_logout_redirect_uri") ?? url.searchParams.get("logout_uri");
  const client = url.searchParams.get("client_id");
  if (client !== null && !state.clients.has(client)) {
    return html(exchange, errorPage(400, "未知的应用", "Unknown client_id"));
  }
  if (target === null) return html(exchange, errorPage(200, "已退出登录", "Signed out"));
  if (!allowedRedirect(state, target)) {
    return html(
      exchange,
      errorPage(400, "退出后的地址不在允许列表中", "post_logout_redirect_uri is not allowed"),
    );
  }
  sendRedirect(exchange.response, target);
};

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  [
    "GET /.well-known/openid-configuration",
    ({ response, state }) => sendJson(response, 200, discoveryDocument(state.issuerUrl()), ANY_ORIGIN),
  ],
  [
    "GET /.well-known/jwks.json",
    ({ response, state }) => sendJson(response, 200, { keys: [state.key.publicJwk] }, ANY_ORIGIN),
  ],
  [
    "GET /",
    (exchange) =>
      html(exchange, { status: 200, html: signInPage(exchange.state.directory, undefined, "villager") }),
  ],
  ["GET /authorize", getAuthorize],
  ["POST /authorize", postAuthorize],
  ["OPTIONS /token", tokenPreflight],
  ["POST /token", postToken],
  ["GET /logout", getLogout],
]);

/** The issuer's request listener: expired codes forgotten, the route run, failures answered as JSON. */
export function issuerListener(
  state: IssuerState,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    try {
      const url = new URL(request.url ?? "/", "http://local");
      state.codes.sweep();
      const route = ROUTES.get(`${request.method} ${url.pathname}`);
      if (!route) return sendJson(response, 404, { error: "not_found" });
      await route({ request, response, url, state });
    } catch (error) {
      if (response.headersSent) return void response.end();
      if (error instanceof RequestTooLargeError)
        return sendJson(response, 413, { error: "request_too_large" });
      sendJson(response, 500, { error: "server_error" });
    }
  };
}
