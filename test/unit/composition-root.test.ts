import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The one module that constructs AWS SDK clients (shared/runtime.ts hands them out with the rest). */
const CLIENT_FACTORY = "shared/clients.ts";

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(folder, file));
}

/** Value (not `type`) imports of an SDK client class from any `@aws-sdk/…` package. */
function clientImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/[^"]+"/g)) {
    if (match[1]) continue;
    for (const specifier of (match[2] ?? "").split(",")) {
      const name = specifier.trim();
      if (name.startsWith("type ")) continue;
      if (/Client$/.test(name)) found.push(name);
    }
  }
  return found;
}

/** Where a client is built: `new XClient(` or the DocumentClient's `from(`. */
function clientConstructions(source: string): string[] {
  return [...source.matchAll(/new\s+\w+Client\s*\(|DynamoDBDocumentClient\.from\s*\(/g)].map((m) => m[0]);
}

describe("the composition root", () => {
  it("is the only place handlers get SDK clients from: no handler imports or builds a client", () => {
    const offenders = sourceFiles("functions").flatMap((file) => {
      const source = readFileSync(path.join(ROOT, file), "utf8");
      return [...clientImports(source), ...clientConstructions(source)].map((what) => `${file}: ${what}`);
    });
    expect(offenders).toEqual([]);
  });

  it("builds every client in one module, so each has the same options and is built once", () => {
    const offenders = sourceFiles("shared")
      .filter((file) => file !== CLIENT_FACTORY)
      .flatMap((file) =>
        clientConstructions(readFileSync(path.join(ROOT, file), "utf8")).map((what) => `${file}: ${what}`),
      );
    expect(offenders).toEqual([]);
  });

  it("catches the ways a client is built or imported", () => {
    const source = [
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
      'import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";',
      'import type { S3Client } from "@aws-sdk/client-s3";',
      "const a = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
    ].join("\n");
    expect(clientImports(source)).toEqual(["DynamoDBClient"]);
    expect(clientConstructions(source)).toEqual(["DynamoDBDocumentClient.from(", "new DynamoDBClient("]);
  });
});
