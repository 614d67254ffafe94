/**
 * Prints the gzipped size of each JS chunk of web/dist and of the villager
 * bundle (the entry and everything it imports statically: what a phone loads
 * before the first screen); fails above the 150 KB budget.
 * Run after a build: `npx tsx web/check-size.ts`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), "dist");

interface ManifestChunk {
  readonly file: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly dynamicImports?: readonly string[];
  readonly css?: readonly string[];
}

const manifest = JSON.parse(await readFile(path.join(dist, ".vite", "manifest.json"), "utf8")) as Record<
  string,
  ManifestChunk
>;
const gzipped = async (file: string) => gzipSync(await readFile(path.join(dist, file)), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
if (!entryKey) throw new Error("No entry chunk in the manifest: build with `npm run build:web` first");
const initial = new Set<string>();
const visit = (key: string) => {
  if (initial.has(key)) return;
  initial.add(key);
  for (const next of manifest[key]?.imports ?? []) visit(next);
};
visit(entryKey);

let villager = 0;
console.log("chunk (gzipped)");
for (const [key, chunk] of Object.entries(manifest)) {
  const size = await gzipped(chunk.file);
  const inVillager = initial.has(key);
  if (inVillager) villager += size;
  console.log(
    `  ${chunk.file.padEnd(40)} ${kb(size).padStart(9)}  ${inVillager ? "villager (initial)" : "lazy (staff/auditor)"}`,
  );
}
const css = manifest[entryKey]?.css ?? [];
for (const file of css) console.log(`  ${file.padEnd(40)} ${kb(await gzipped(file)).padStart(9)}  css`);
console.log(`villager JS: ${kb(villager)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (villager > BUDGET_BYTES) {
  console.error("Over budget: move screens villagers do not need into dynamic imports.");
  process.exitCode = 1;
}
