/**
 * The web app (web/) on the local HTTP API's origin: the `fallback` of
 * startLocalHttpApi serves `web/dist` for every request no API route matches,
 * plus `GET /config.json` with what the browser cannot know at build time (the
 * sign-in issuer, the app client ids, the county's document list).
 *
 * Same origin as the API on purpose: no CORS for API calls, and the local OIDC
 * issuer only redirects authorization codes back to this origin.
 *
 * Building is separate from serving (web/builder.ts), so the integration
 * tests, which never open a browser, do not pay for a Vite build; `npm start`
 * runs web/build.ts first and the e2e tests build once in their global setup.
 */
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { WEB_DIST } from "../../web/builder.ts";
import { contentSecurityPolicy, type WebConfig, webConfig } from "../web-config.ts";

export interface WebAppOptions {
  readonly distDir?: string;
  readonly auth: WebConfig["auth"];
  /** Origins the page may fetch from and show images/PDFs of besides its own (the documents bucket). */
  readonly extraOrigins?: readonly string[];
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/;

function securityHeaders(extraOrigins: readonly string[], issuer: string): Record<string, string> {
  return {
    // Presigned document URLs (local S3) may be fetched, shown and framed, and the page reads the
    // issuer's discovery document and token endpoint: the same policy CloudFront sends.
    "content-security-policy": contentSecurityPolicy({
      documents: extraOrigins.map((origin) => new URL(origin).origin),
      auth: [new URL(issuer).origin],
    }),
    "x-content-type-options": "nosniff",
    // No referrer: the sign-in code in the address bar and case ids stay out of other sites' logs.
    "referrer-policy": "no-referrer",
  };
}

interface CachedFile {
  readonly mtimeMs: number;
  readonly body: Buffer;
  readonly gzipped?: Buffer;
}

/**
 * The fallback for startLocalHttpApi: static files of web/dist (hashed assets
 * cached for a year, everything else revalidated), index.html for any other
 * page navigation (the app routes on the client), `/config.json`.
 */
export function webAppFallback(
  options: WebAppOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const distDir = options.distDir ?? WEB_DIST;
  const headers = securityHeaders(options.extraOrigins ?? [], options.auth.issuer);
  const cache = new Map<string, CachedFile>();

  const load = async (file: string): Promise<CachedFile | undefined> => {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs) return cached;
    const body = await readFile(file);
    const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
    // Slow rural networks: compress text once per build, not per request.
    const entry: CachedFile = {
      mtimeMs: info.mtimeMs,
      body,
      ...(COMPRESSIBLE.test(type) && body.length > 1024 ? { gzipped: gzipSync(body, { level: 9 }) } : {}),
    };
    cache.set(file, entry);
    return entry;
  };

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    file: string,
    entry: CachedFile,
    cacheControl: string,
  ) => {
    const gzip = entry.gzipped && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    const body = gzip && entry.gzipped ? entry.gzipped : entry.body;
    response.writeHead(200, {
      ...headers,
      "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
      "content-length": String(body.length),
      "cache-control": cacheControl,
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    response.end(request.method === "HEAD" ? undefined : body);
  };

  return async (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const url = new URL(request.url ?? "/", "http://local");
    if (url.pathname === "/config.json") {
      // The same variable the Lambdas read (shared/runtime.ts), so the form asks for what submit checks.
      const config = webConfig(options.auth, process.env.COUNTY_POLICY_ID || "sichuan-default");
      response.writeHead(200, {
        ...headers,
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : JSON.stringify(config));
      return true;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return false;
    }
    const file = path.join(distDir, path.normalize(pathname));
    // No path may leave web/dist (../ and encoded variants normalize away above; this is the guard).
    if (file !== distDir && !file.startsWith(`${distDir}${path.sep}`)) return false;
    const entry = pathname.endsWith("/") ? undefined : await load(file);
    if (entry) {
      const immutable = pathname.startsWith("/assets/");
      send(request, response, file, entry, immutable ? "public, max-age=31536000, immutable" : "no-cache");
      return true;
    }
    // A missing asset is a 404; a page of the app (a navigation) gets index.html.
    if (pathname.startsWith("/assets/") || path.extname(pathname) !== "") return false;
    if (!String(request.headers.accept ?? "").includes("text/html")) return false;
    const index = path.join(distDir, "index.html");
    const page = await load(index);
    if (!page) {
      response.writeHead(503, { ...headers, "content-type": "text/plain; charset=utf-8" });
      response.end(
        "The web app is not built: run `npm run build:web` (npm start does it).\n网页应用尚未构建。\n",
      );
      return true;
    }
    send(request, response, index, page, "no-cache");
    return true;
  };
}
