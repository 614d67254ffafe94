/**
 * No source file over 400 lines: a long file holds more than one concern and
 * a newcomer cannot see its shape. Tests and the few tables listed below
 * (one list read top to bottom, kept whole on purpose; README.md says so)
 * are exempt.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const MAX_LINES = 400;

/** Tables kept whole on purpose (README.md, folder map). */
const TABLES = new Set([
  "shared/http/routes.ts",
  "shared/schemas/responses.ts",
  "shared/openapi/operations.ts",
]);

/** Not source: dependencies, build output, local data, and the tests themselves. */
const SKIPPED_DIRS = new Set([
  "node_modules",
  ".git",
  ".data",
  "cdk.out",
  "dist",
  "coverage",
  "test-results",
  "test",
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(relative);
    const isSource =
      /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts");
    return entry.isFile() && isSource ? [relative] : [];
  });
}

const lineCount = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n").length - 1;

describe("file size", () => {
  it(`keeps every non-test .ts/.tsx file at ${MAX_LINES} lines or fewer, tables aside`, () => {
    const tooLong = sourceFiles("")
      .filter((file) => !TABLES.has(file))
      .map((file) => ({ file, lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(tooLong).toEqual([]);
  });

  it("finds the source files it is meant to check", () => {
    const files = sourceFiles("");
    expect(files).toContain("shared/papers/service.ts");
    expect(files).toContain("web/src/villager/wizard.tsx");
    expect(files.some((file) => file.startsWith("test/"))).toBe(false);
  });

  it("lists only tables that exist", () => {
    expect([...TABLES].filter((file) => !existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
  });
});
