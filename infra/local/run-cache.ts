/**
 * Results a test run computes once and shares between its worker processes:
 * the synthesized template per CDK context, the definitions already validated,
 * the OpenAPI document the contract check reads (test/support/contract.ts).
 * A test run (test/support/temp-folder.ts) names the folder in
 * NONGFANG_TEMPLATE_CACHE; without it (`npm start`, benchmarks) nothing is cached.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { threadId } from "node:worker_threads";

function runCachePath(kind: string, key: string): string | undefined {
  const dir = process.env.NONGFANG_TEMPLATE_CACHE;
  if (!dir) return undefined;
  return path.join(dir, `${kind}-${createHash("sha256").update(key).digest("hex").slice(0, 16)}.json`);
}

export function readRunCache<T>(kind: string, key: string): T | undefined {
  const file = runCachePath(kind, key);
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function writeRunCache(kind: string, key: string, value: unknown): void {
  const file = runCachePath(kind, key);
  if (!file) return;
  // Another worker may write the same file at once: write aside, then rename (atomic). The test
  // workers are threads of one process, so the aside name needs the thread as well as the process.
  const temp = `${file}.${process.pid}.${threadId}.tmp`;
  writeFileSync(temp, JSON.stringify(value));
  renameSync(temp, file);
}
