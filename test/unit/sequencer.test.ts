import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TestSpecification, Vitest } from "vitest/node";
import LongestFirstSequencer, { FILE_SECONDS } from "../support/sequencer.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function spec(relative: string, project: string): TestSpecification {
  return {
    moduleId: path.join(ROOT, relative),
    project: { name: project, config: { root: ROOT, sequence: { groupOrder: 0 }, isolate: true } },
  } as unknown as TestSpecification;
}

const noCache = { cache: { getTestSpecificationResult: () => undefined } } as unknown as Vitest;

describe("the order files reach the workers", () => {
  it("lists only files that exist (a renamed file would fall back to its size)", () => {
    const missing = Object.keys(FILE_SECONDS).filter((file) => !existsSync(path.join(ROOT, file)));
    expect(missing).toEqual([]);
  });

  it("hands out the longest files first, across projects, on a clean clone", async () => {
    const files = [
      spec("test/unit/openapi.test.ts", "unit"),
      spec("test/e2e/messages.test.ts", "e2e"),
      spec("test/integration/journeys.test.ts", "integration"),
      spec("test/infra/identity.test.ts", "infra"),
      spec("test/e2e/permit-journey.test.ts", "e2e"),
    ];
    const order = (await new LongestFirstSequencer(noCache).sort(files)).map((file) =>
      path.relative(ROOT, file.moduleId),
    );
    // The seconds test/file-seconds.json records (npm run test:file-seconds rewrites them).
    const seconds = (file: string) => FILE_SECONDS[file] ?? Number.NaN;
    const longestFirst = files
      .map((file) => path.relative(ROOT, file.moduleId))
      .sort((a, b) => seconds(b) - seconds(a));
    expect(order).toEqual(longestFirst);
    // vitest's own order would run e2e, then infra, then integration, then unit: not this one.
    expect(order.map((file) => file.split("/")[1])).not.toEqual([
      "e2e",
      "e2e",
      "infra",
      "integration",
      "unit",
    ]);
    expect(order[0]).toBe("test/integration/journeys.test.ts");
  });
});
