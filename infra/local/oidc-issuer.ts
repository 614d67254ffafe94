import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import * as z from "zod";
import { type ClientKind, type DemoDirectory, loadDemoDirectory } from "./oidc/directory.ts";
import { listen } from "./oidc/http.ts";
import { type IssuerState, issuerListener } from "./oidc/server.ts";
import { AuthorizationCodes } from "./oidc/token-endpoint.ts";
import { signingKey, signTokens, type TokenResponse, UnknownUserError } from "./oidc/tokens.ts";

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
 *
 * The parts live in infra/local/oidc/: the demo users and their claims
 * (directory.ts), the signing key and tokens (tokens.ts), `/authorize`
 * (authorize.ts), `/token` (token-endpoint.ts), the pages (sign-in-page.ts)
 * and the routes (server.ts).
 */

export {
  actorClaimsOf,
  amrOf,
  DEMO_USERS_FILE,
  type DemoDirectory,
  type DemoUser,
  demoDirectorySchema,
  demoUserSchema,
  loadDemoDirectory,
} from "./oidc/directory.ts";
export { CODE_LIFETIME_SECONDS } from "./oidc/token-endpoint.ts";
export { TOKEN_LIFETIME_SECONDS, type TokenResponse, UnknownUserError } from "./oidc/tokens.ts";

/** The villager app client (also the default audience of `POST /token`'s shortcut). */
export const DEFAULT_CLIENT_ID = "nongfang-web";
export const DEFAULT_STAFF_CLIENT_ID = "nongfang-web-staff";

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

const stateFileSchema = z.object({ port: z.number().int().positive() });

/**
 * Keeps the port of the last start: `iss` is the issuer URL, so a new port
 * would void every token. A fixed port wins; a remembered one that is taken
 * gives way to a free one.
 */
async function listenOnKeptPort(
  server: ReturnType<typeof createServer>,
  dataDir: string,
  fixed: number | undefined,
): Promise<number> {
  const stateFile = path.join(dataDir, "issuer.json");
  const remembered = await readFile(stateFile, "utf8")
    .then((text) => stateFileSchema.parse(JSON.parse(text)).port)
    .catch(() => undefined);
  let port: number;
  if (fixed) port = await listen(server, fixed);
  else if (remembered) port = await listen(server, remembered).catch(() => listen(server, 0));
  else port = await listen(server, 0);
  await writeFile(stateFile, `${JSON.stringify({ port })}\n`);
  return port;
}

export async function startLocalOidcIssuer(options: LocalOidcIssuerOptions): Promise<LocalOidcIssuer> {
  await mkdir(options.dataDir, { recursive: true });
  const directory = options.directory ?? (await loadDemoDirectory());
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const staffClientId = options.staffClientId ?? DEFAULT_STAFF_CLIENT_ID;
  const key = await signingKey(options.dataDir);
  const usersById = new Map(directory.users.map((user) => [user.id, user]));
  let issuerUrl = "";

  const issue = async (
    userId: string,
    nonce?: string,
    audience: string = clientId,
  ): Promise<TokenResponse> => {
    const user = usersById.get(userId);
    if (!user) throw new UnknownUserError(userId);
    return signTokens({ key, issuer: issuerUrl, audience }, user, nonce);
  };
  const state: IssuerState = {
    clients: new Map<string, ClientKind>([
      [clientId, "villager"],
      [staffClientId, "staff"],
    ]),
    redirectOrigins: new Set(options.redirectOrigins.map((origin) => new URL(origin).origin)),
    directory,
    usersById,
    codes: new AuthorizationCodes(),
    key,
    clientId,
    issuerUrl: () => issuerUrl,
    issue,
  };

  const server = createServer(issuerListener(state));
  issuerUrl = `http://127.0.0.1:${await listenOnKeptPort(server, options.dataDir, options.port)}`;
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
