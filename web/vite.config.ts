import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The web app: Preact (automatic JSX runtime), one entry; the reviewer and
 * auditor screens are dynamic imports so a villager's phone only downloads the
 * villager part. Output in web/dist (git-ignored), served by infra/local/web.ts.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: "public",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Old Android phones: Chrome/WebView 87+ understands this output (ES2020, modules).
    target: ["es2020", "chrome87"],
    sourcemap: false,
    reportCompressedSize: false,
    // web/check-size.ts reads it to tell the villager bundle (entry + static imports) from lazy chunks.
    manifest: true,
  },
});
