import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one plain closing line, `Tests: N passed, N failed, N skipped`, that CI
 * tooling reads in any language (vitest's own summary is decorated).
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = (state: "passed" | "failed" | "skipped") =>
      testModules.reduce((sum, module) => sum + [...module.children.allTests(state)].length, 0);
    // A file that failed to load has no failed test of its own: count it as one failure.
    const failedModules = testModules.filter(
      (module) => module.state() === "failed" && [...module.children.allTests("failed")].length === 0,
    ).length;
    const failed = count("failed") + failedModules;
    console.log(`\nTests: ${count("passed")} passed, ${failed} failed, ${count("skipped")} skipped`);
  }
}
