import { getCompileCacheDir } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

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
