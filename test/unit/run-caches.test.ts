import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// test/support/temp-folder.ts gives the run one temp folder and, in it, the caches every test file shares.
describe("the test run's shared folder", () => {
  it("is this process's temp folder, with the template cache inside it", () => {
    expect(path.basename(tmpdir())).toMatch(/^nongfang-run-/);
    expect(process.env.NONGFANG_TEMPLATE_CACHE).toBe(path.join(tmpdir(), "template-cache"));
  });

  it("holds the Node compile cache this worker loads its dependencies through", () => {
    // Set before the worker started, so Node enabled it at start-up.
    const dir = getCompileCacheDir();
    expect(dir).toBeDefined();
    if (!process.env.NODE_COMPILE_CACHE?.startsWith(tmpdir())) return; // a developer's own folder
    expect(dir?.startsWith(path.join(tmpdir(), "template-cache"))).toBe(true);
  });
});
