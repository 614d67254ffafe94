import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
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

describe("the run cache", () => {
  it("takes the same entry written by several worker threads of one process at once", async () => {
    // The test workers are threads of one process: a temp name made of the pid alone was shared, and
    // one writer's rename found its temp file already renamed by another (ENOENT in a file's beforeAll).
    const dir = mkdtempSync(path.join(tmpdir(), "run-cache-"));
    try {
      const module = pathToFileURL(path.join(REPO_ROOT, "infra/local/run-cache.ts")).href;
      const source = `import(${JSON.stringify(module)}).then((cache) => {
        for (let i = 0; i < 300; i++) cache.writeRunCache("openapi", "ROUTES", { i, pad: "x".repeat(20000) });
      });`;
      const exits = Array.from({ length: 4 }, () => {
        const worker = new Worker(source, {
          eval: true,
          env: { ...process.env, NONGFANG_TEMPLATE_CACHE: dir },
        });
        return new Promise<void>((resolve, reject) => {
          worker.once("error", reject);
          worker.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        });
      });
      const failures = (await Promise.allSettled(exits)).flatMap((exit) =>
        exit.status === "rejected" ? [String(exit.reason)] : [],
      );
      expect(failures).toEqual([]);
      const entries = readdirSync(dir);
      expect(entries).toHaveLength(1);
      const entry = JSON.parse(readFileSync(path.join(dir, entries[0] ?? ""), "utf8")) as { i: number };
      expect(entry.i).toBe(299);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
