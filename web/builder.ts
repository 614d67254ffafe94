/**
 * Building the web app (web/dist) with Vite, only when it is missing or older
 * than its sources. `npm start` runs web/build.ts first, the CDK app
 * (infra/app.ts) builds before it ships web/dist, and the e2e tests build once
 * in their global setup. Serving it locally is the local cloud's part
 * (infra/local/web.ts).
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_ROOT = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.join(WEB_ROOT, "dist");
const REPO_ROOT = path.dirname(WEB_ROOT);

/** Newest modification time under `dir` (files only), 0 when it does not exist. */
async function newestMtime(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let newest = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await stat(path.join(entry.parentPath, entry.name)).catch(() => undefined);
    if (info && info.mtimeMs > newest) newest = info.mtimeMs;
  }
  return newest;
}

/** True when web/dist is missing or older than any source it is built from (the app and shared/). */
export async function isWebStale(distDir: string = WEB_DIST): Promise<boolean> {
  const built = await stat(path.join(distDir, "index.html")).catch(() => undefined);
  if (!built) return true;
  const sources = await Promise.all([
    newestMtime(path.join(WEB_ROOT, "src")),
    newestMtime(path.join(REPO_ROOT, "shared")),
    stat(path.join(WEB_ROOT, "index.html")).then((info) => info.mtimeMs),
    stat(path.join(WEB_ROOT, "vite.config.ts")).then((info) => info.mtimeMs),
  ]);
  return Math.max(...sources) > built.mtimeMs;
}

/** `vite build` through Vite's JS API (imported lazily: only a build needs Vite). */
export async function buildWeb(): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB_ROOT, "vite.config.ts"), logLevel: "warn" });
}

/** Builds web/dist when it is missing or stale; says whether it built. */
export async function buildWebIfStale(): Promise<boolean> {
  if (!(await isWebStale())) return false;
  await buildWeb();
  return true;
}
