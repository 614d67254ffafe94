import { readFileSync } from "node:fs";
import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "#infra/constructs/function-metadata.ts";

// test/support/temp-folder.ts gives the run one temp folder and the caches every test file shares.
describe("the test run's shared folder", () => {
  it("is this process's temp folder, with the template cache inside it", () => {
    expect(path.basename(tmpdir())).toMatch(/^nongfang-run-/);
    expect(process.env.NONGFANG_TEMPLATE_CACHE).toBe(path.join(tmpdir(), "template-cache"));
  });

  it("gives every worker the Node compile cache, outside the temp folder", () => {
    // Set before the worker started, so Node enabled it at start-up.
    const dir = getCompileCacheDir();
    expect(dir).toBeDefined();
    // Outside the run's folder: workers write it as they exit, possibly after the folder is removed.
    expect(dir?.startsWith(tmpdir())).toBe(false);
  });
});

describe("npm test", () => {
  it("runs its tools directly, not through a nested npm that would leave a cache in the OS temp folder", () => {
    // npm 11 enables Node's compile cache at start-up; under the project's Node 24 (first on an npm
    // script's PATH) a nested `npm run …` wrote /tmp/node-compile-cache, which stayed after the run.
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const commands = (scripts.test ?? "").split(/&&|\|\||;/).map((command) => command.trim().split(/\s+/)[0]);
    expect(commands).toEqual(["biome", "tsc", "vitest"]);
  });
});
